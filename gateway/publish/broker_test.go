package publish

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	server "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/wire"
)

const (
	testSite    = "site1"
	testGateway = "gw1"
	subClientID = "test-subscriber"
)

// gate lets only the subscriber in until it is open, so that after a broker restart
// nothing is published before the subscriber is back.
type gate struct {
	server.HookBase
	open *atomic.Bool
}

func (g *gate) ID() string { return "gate" }
func (g *gate) Provides(b byte) bool {
	return b == server.OnConnectAuthenticate || b == server.OnACLCheck
}
func (g *gate) OnConnectAuthenticate(cl *server.Client, _ packets.Packet) bool {
	return g.open.Load() || string(cl.Properties.Username) == subClientID || cl.ID == subClientID
}
func (g *gate) OnACLCheck(*server.Client, string, bool) bool { return true }

// startBroker runs a mochi broker on addr ("127.0.0.1:0" for any port); it returns
// the broker and its bound address. With g nil every client is allowed.
func startBroker(t testing.TB, addr string, g *gate) (*server.Server, string) {
	t.Helper()
	caps := server.NewDefaultServerCapabilities()
	caps.MaximumClientWritesPending = 1 << 16
	s := server.New(&server.Options{Logger: slog.New(slog.DiscardHandler), Capabilities: caps})
	var err error
	if g != nil {
		err = s.AddHook(g, nil)
	} else {
		err = s.AddHook(new(auth.AllowHook), nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	l := listeners.NewTCP(listeners.Config{ID: "tcp", Address: addr})
	for i := 0; ; i++ { // the old broker's port may linger briefly
		if err = s.AddListener(l); err == nil || i == 50 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(); err != nil {
		t.Fatal(err)
	}
	return s, l.Address()
}

// testEncoder encodes readings with wire.ReadingEncoder (each record is a sensor id)
// and events and alarms as JSON batches (each record is an event type or alarm kind).
func testEncoder() Encoder {
	var re wire.ReadingEncoder
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return func(s outbox.Stream, first uint64, recs [][]byte) (string, []byte, error) {
		h := wire.Header{Site: testSite, Gateway: testGateway, Boot: "b", Epoch: "e", FirstSeq: first}
		switch s {
		case outbox.Readings:
			b := wire.ReadingBatch{Header: h, Readings: make([]wire.Reading, len(recs))}
			for i, r := range recs {
				b.Readings[i] = wire.Reading{Time: base, Sensor: string(r), Quantity: wire.Temperature, Value: 4}
			}
			p, err := re.Encode(nil, &b)
			return wire.Topic(testSite, testGateway, wire.KindReadings), p, err
		case outbox.Alarms:
			b := wire.AlarmBatch{V: wire.Version, Header: h}
			for _, r := range recs {
				b.Alarms = append(b.Alarms, wire.Alarm{Time: base, Kind: string(r), State: "raised", Severity: "critical"})
			}
			p, err := jsonMarshal(&b)
			return wire.Topic(testSite, testGateway, wire.KindAlarms), p, err
		default:
			b := wire.EventBatch{V: wire.Version, Header: h}
			for _, r := range recs {
				b.Events = append(b.Events, wire.Event{Time: base, Type: string(r)})
			}
			p, err := jsonMarshal(&b)
			return wire.Topic(testSite, testGateway, wire.KindEvents), p, err
		}
	}
}

// received is one record as the subscriber decoded it.
type received struct {
	kind wire.Kind
	seq  uint64
	data string
}

// subscriber collects every record published under the test gateway's topics.
type subscriber struct {
	c    mqtt.Client
	mu   sync.Mutex
	got  []received
	errs []error
	// onCount, when set, is called once (in its own goroutine) as soon as more
	// than atCount records arrived.
	onCount func()
	atCount int
}

func subscribe(t testing.TB, addr string, g *gate) *subscriber {
	t.Helper()
	sub := &subscriber{}
	o := mqtt.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(subClientID).
		SetCleanSession(true).SetAutoReconnect(true).SetMaxReconnectInterval(50 * time.Millisecond).
		SetOnConnectHandler(func(c mqtt.Client) {
			tok := c.Subscribe(wire.TopicPrefix+"/+/+/+", 1, sub.handle)
			if tok.WaitTimeout(5*time.Second) && tok.Error() == nil && g != nil {
				g.open.Store(true)
			}
		})
	sub.c = mqtt.NewClient(o)
	if tok := sub.c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber connect: %v", tok.Error())
	}
	t.Cleanup(func() { sub.c.Disconnect(0) })
	return sub
}

func (sub *subscriber) handle(_ mqtt.Client, m mqtt.Message) {
	_, _, kind, err := wire.ParseTopic(m.Topic())
	var add []received
	if err == nil {
		add, err = decodeRecords(kind, m.Payload())
	}
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if err != nil {
		sub.errs = append(sub.errs, err)
	}
	sub.got = append(sub.got, add...)
	if sub.onCount != nil && len(sub.got) > sub.atCount {
		go sub.onCount()
		sub.onCount = nil
	}
}

func decodeRecords(kind wire.Kind, p []byte) ([]received, error) {
	var out []received
	switch kind {
	case wire.KindReadings:
		b, err := wire.DecodeReadings(p)
		if err != nil {
			return nil, err
		}
		for i, r := range b.Readings {
			out = append(out, received{kind, b.FirstSeq + uint64(i), r.Sensor})
		}
	case wire.KindAlarms:
		b, err := wire.DecodeAlarms(p)
		if err != nil {
			return nil, err
		}
		for i, a := range b.Alarms {
			out = append(out, received{kind, b.FirstSeq + uint64(i), a.Kind})
		}
	case wire.KindEvents:
		b, err := wire.DecodeEvents(p)
		if err != nil {
			return nil, err
		}
		for i, e := range b.Events {
			out = append(out, received{kind, b.FirstSeq + uint64(i), e.Type})
		}
	}
	return out, nil
}

func (sub *subscriber) snapshot() []received {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return append([]received(nil), sub.got...)
}

// waitFor polls cond until it holds or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// appendN appends records named prefix-lo .. prefix-(hi-1) to s in batches of batch.
func appendN(t testing.TB, o *outbox.Outbox, s outbox.Stream, prefix string, lo, hi, batch int) {
	t.Helper()
	n := hi
	for i := lo; i < n; i += batch {
		recs := make([][]byte, 0, batch)
		for j := i; j < min(n, i+batch); j++ {
			recs = append(recs, fmt.Appendf(nil, "%s-%d", prefix, j))
		}
		if _, err := o.Append(context.Background(), s, recs); err != nil {
			t.Fatal(err)
		}
	}
}
