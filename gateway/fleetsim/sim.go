package fleetsim

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/lotsense/lotsense/gateway"
	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/publish"
	"github.com/lotsense/lotsense/gateway/wire"
)

// simGateway is one simulated gateway: a generator that takes the readings due on the
// simulated clock into its in-memory outbox, and the gateway's real publisher.
type simGateway struct {
	p    *Plan
	g    *GatewayPlan
	ob   *memOutbox
	rng  *rand.Rand
	k, j int       // next reading: period k, sensor j
	gen  time.Time // simulated time generated up to (exclusive)
	rec  []byte    // arena the records are cut from, append only

	reconnects atomic.Uint64
	holds      *holdsSeen
	mu         sync.Mutex
	genEnd     time.Time // simulated time generation stopped at
}

func newSimGateway(p *Plan, g *GatewayPlan, holds *holdsSeen) *simGateway {
	return &simGateway{p: p, g: g, ob: newMemOutbox(), rng: rand.New(rand.NewPCG(g.valueSeed1, g.valueSeed2)),
		gen: p.Start, holds: holds}
}

// start puts the opening events in the outbox: one receiving per location with lots.
func (s *simGateway) start(events bool) error {
	if !events {
		return nil
	}
	var recs [][]byte
	for _, loc := range s.g.Locations {
		if len(loc.Lots) == 0 {
			continue
		}
		e := wire.Event{Time: s.p.Start, Synced: true, Type: "receiving", Location: s.g.ID + "-dock", Lots: loc.Lots,
			Direction: "in", Attrs: map[string]string{"inside": loc.ID, "tags": strconv.Itoa(len(loc.Lots))}}
		b, err := json.Marshal(&e)
		if err != nil {
			return err
		}
		recs = append(recs, b)
	}
	s.ob.Append(outbox.Events, recs)
	return nil
}

// generate appends every reading taken before until (simulated time), in the order
// of their times (sensors in offset order within an interval): the same order, so the
// same sequence numbers and values, however the run's ticks fall. It reports whether
// the gateway has taken all its readings.
func (s *simGateway) generate(until time.Time) bool {
	p, g := s.p, s.g
	var recs [][]byte
	var r wire.Reading
	for s.k < p.PerSensor {
		sp := &g.Sensors[s.j]
		t := p.readingTime(sp, s.k)
		if !t.Before(until) {
			break
		}
		loc := g.Locations[sp.Location]
		r = wire.Reading{Time: t, Synced: true, Sensor: sp.ID, Location: loc.ID, Quantity: sp.Quantity,
			Value: p.value(sp, loc, t, s.rng.Float64()), Quality: wire.Good, Lots: loc.Lots}
		// Records are cut from an arena that is only ever appended to: the outbox
		// keeps them until acked, so no byte is reused. A full arena is left to the
		// records cut from it.
		if cap(s.rec)-len(s.rec) < 256 {
			s.rec = make([]byte, 0, 64<<10)
		}
		n := len(s.rec)
		s.rec = gateway.ReadingRecord(s.rec, &r)
		recs = append(recs, s.rec[n:len(s.rec):len(s.rec)])
		if s.j++; s.j == len(g.Sensors) {
			s.j, s.k = 0, s.k+1
		}
	}
	s.ob.Append(outbox.Readings, recs)
	s.mu.Lock()
	s.genEnd = until
	s.mu.Unlock()
	return s.k >= p.PerSensor
}

// generatedUntil is the simulated time generation reached.
func (s *simGateway) generatedUntil() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.genEnd
}

// publisher returns the gateway's real publisher over the in-memory outbox: retained
// "online" status on connect, "offline" as the will and on a clean stop, the site's
// hold list subscribed as a gateway does.
func (s *simGateway) publisher(o *Options, tlsConf *tls.Config) (*publish.Publisher, error) {
	g := s.g
	statusTopic := wire.Topic(g.Site, g.ID, wire.KindStatus)
	will, err := s.status(wire.StateOffline)
	if err != nil {
		return nil, err
	}
	return publish.New(s.ob, gateway.NewBatchEncoder(g.Site, g.ID, g.Boot, g.Epoch), publish.Options{
		Broker: o.Broker, ClientID: "lotsense-" + g.ID, TLS: tlsConf,
		Will: &publish.Message{Topic: statusTopic, Payload: will},
		OnConnect: func(ctx context.Context, c publish.Client) error {
			if err := s.publishStatus(c, statusTopic, wire.StateOnline); err != nil {
				return err
			}
			t := c.Subscribe(wire.Topic(g.Site, g.ID, wire.KindHolds), 1, func(_ mqtt.Client, m mqtt.Message) {
				s.holds.apply(g.Site, m.Payload())
			})
			if !t.WaitTimeout(10 * time.Second) {
				return fmt.Errorf("fleetsim: %s: no SUBACK for the holds topic within 10s", g.ID)
			}
			return t.Error()
		},
		OnStop: func(ctx context.Context, c publish.Client) error {
			return s.publishStatus(c, statusTopic, wire.StateOffline)
		},
		Username: o.Username, Password: o.Password, KeepAlive: o.KeepAlive,
		BatchSize: o.BatchSize, MaxInflight: o.MaxInflight, Logger: o.Logger.With("gateway", g.ID),
		Metrics: publish.Metrics{Reconnects: counterFunc(func(v float64) { s.reconnects.Add(uint64(v)) })},
	})
}

// publishStatus publishes the retained status and waits for its PUBACK, as a gateway.
func (s *simGateway) publishStatus(c publish.Client, topic, state string) error {
	p, err := s.status(state)
	if err != nil {
		return err
	}
	t := c.Publish(topic, 1, true, p)
	if !t.WaitTimeout(10 * time.Second) {
		return fmt.Errorf("fleetsim: %s: no PUBACK for the %s status within 10s", s.g.ID, state)
	}
	return t.Error()
}

func (s *simGateway) status(state string) ([]byte, error) {
	return wire.Encode(&wire.Status{V: wire.Version, Site: s.g.Site, Gateway: s.g.ID, Boot: s.g.Boot, State: state,
		Time: time.Now().UTC(), Version: "fleetsim", Pending: s.ob.Pending()})
}

// counterFunc adapts a function to outbox.Counter.
type counterFunc func(float64)

func (f counterFunc) Add(v float64) { f(v) }

// holdsSeen keeps the newest hold list each site's gateways received.
type holdsSeen struct {
	mu    sync.Mutex
	sites map[string]*wire.Holds
	bad   int
}

func (h *holdsSeen) apply(site string, payload []byte) {
	m, err := gateway.DecodeHolds(payload, site)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		h.bad++
		return
	}
	if cur := h.sites[site]; cur == nil || m.Version > cur.Version {
		h.sites[site] = m
	}
}
