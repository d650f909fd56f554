package fleetsim

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/broker"
	"github.com/lotsense/lotsense/gateway/wire"
)

// collector records what a real broker received from the simulated gateways, in its
// Deliver hook (before the PUBACK): every reading and event sequence number per
// gateway, how often each came, the readings above a limit, the statuses.
type collector struct {
	mu       sync.Mutex
	limit    float64
	readings map[string]map[uint64]int // gateway → seq → times received
	events   map[string]map[uint64]int
	warm     map[string][]time.Time // location → times of readings above limit
	lots     map[string]bool
	statuses map[string][]string // gateway → states in order
	errs     []error
}

func newCollector(limit float64) *collector {
	return &collector{limit: limit, readings: map[string]map[uint64]int{}, events: map[string]map[uint64]int{},
		warm: map[string][]time.Time{}, lots: map[string]bool{}, statuses: map[string][]string{}}
}

func (c *collector) deliver(_ context.Context, topic string, payload []byte) error {
	_, gw, kind, err := wire.ParseTopic(topic)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.errs = append(c.errs, err)
		return nil
	}
	switch kind {
	case wire.KindReadings:
		b, err := wire.DecodeReadings(payload)
		if err != nil {
			c.errs = append(c.errs, err)
			return nil
		}
		seqs := c.seqs(c.readings, gw)
		for i, r := range b.Readings {
			seqs[b.FirstSeq+uint64(i)]++
			for _, l := range r.Lots {
				c.lots[l] = true
			}
			if r.Quantity == wire.Temperature && r.Value > c.limit {
				c.warm[r.Location] = append(c.warm[r.Location], r.Time)
			}
		}
	case wire.KindEvents:
		b, err := wire.DecodeEvents(payload)
		if err != nil {
			c.errs = append(c.errs, err)
			return nil
		}
		seqs := c.seqs(c.events, gw)
		for i, e := range b.Events {
			seqs[b.FirstSeq+uint64(i)]++
			for _, l := range e.Lots {
				c.lots[l] = true
			}
		}
	case wire.KindStatus:
		s, err := wire.DecodeStatus(payload)
		if err != nil {
			c.errs = append(c.errs, err)
			return nil
		}
		c.statuses[gw] = append(c.statuses[gw], s.State)
	}
	return nil
}

func (c *collector) seqs(m map[string]map[uint64]int, gw string) map[uint64]int {
	if m[gw] == nil {
		m[gw] = map[uint64]int{}
	}
	return m[gw]
}

// startBroker runs lotsense's embedded broker on addr (port 0: any) with c as its
// Deliver hook for every topic; close stops it (again at the end of the test).
func startBroker(t *testing.T, addr string, c *collector) (b *broker.Broker, close func()) {
	t.Helper()
	b, err := broker.Start(broker.Options{Address: addr, Deliver: c.deliver, Intercept: func(string) bool { return true },
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	close = func() { once.Do(func() { b.Close() }) }
	t.Cleanup(close)
	return b, close
}

// smallOptions is a fleet that runs 4 simulated hours in about 2 s.
func smallOptions(brokerURL string) Options {
	return Options{Broker: brokerURL, Gateways: 6, Sensors: 6, Sites: 2, Rate: 0.1, Speed: 7200,
		Duration: 4 * time.Hour, Excursions: 3, Seed: 11, Events: true, DrainTimeout: 20 * time.Second}
}
