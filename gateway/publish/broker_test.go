package publish

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
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

// gate lets only the subscriber in until the subscriber has subscribed on this
// broker instance, so that after a broker restart nothing is published before the
// subscriber is back. Each broker instance needs a gate of its own.
type gate struct {
	server.HookBase
	open atomic.Bool
}

func (g *gate) ID() string { return "gate" }
func (g *gate) Provides(b byte) bool {
	return b == server.OnConnectAuthenticate || b == server.OnACLCheck || b == server.OnSubscribed
}
func (g *gate) OnConnectAuthenticate(cl *server.Client, _ packets.Packet) bool {
	return g.open.Load() || cl.ID == subClientID
}
func (g *gate) OnACLCheck(*server.Client, string, bool) bool { return true }

// OnSubscribed runs once the subscription is registered (before the SUBACK), so
// every message published after the gate opens reaches the subscriber.
func (g *gate) OnSubscribed(cl *server.Client, _ packets.Packet, _ []byte) {
	if cl.ID == subClientID {
		g.open.Store(true)
	}
}

// recorder records every record the gateway client published to one broker
// instance. It runs as an OnPublish hook, which mochi calls before it sends the
// PUBACK, so a record the publisher saw acknowledged is always recorded. Once more
// than cutAt readings were received (see cutAfter) it calls onCut in its own goroutine
// and from then on still records what arrives but has the broker drop it without a
// PUBACK, as a dying broker would.
type recorder struct {
	server.HookBase
	mu    sync.Mutex
	got   []received // every record received
	acked []received // the records of the messages let through to be PUBACKed
	errs  []error
	cutAt int
	onCut func()
	cut   bool
}

func (r *recorder) ID() string           { return "recorder" }
func (r *recorder) Provides(b byte) bool { return b == server.OnPublish }

// cutAfter arranges for f to run once more than n readings were received.
func (r *recorder) cutAfter(n int, f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cutAt, r.onCut = n, f
}

func (r *recorder) OnPublish(cl *server.Client, pk packets.Packet) (packets.Packet, error) {
	if cl.ID != testGateway {
		return pk, nil
	}
	_, _, kind, err := wire.ParseTopic(pk.TopicName)
	var add []received
	if err == nil {
		add, err = decodeRecords(kind, bytes.Clone(pk.Payload))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("topic %q: %w", pk.TopicName, err))
	}
	r.got = append(r.got, add...)
	if r.cut {
		return pk, packets.ErrRejectPacket // no PUBACK, not forwarded
	}
	r.acked = append(r.acked, add...)
	if r.onCut != nil && count(r.got, wire.KindReadings) > r.cutAt {
		r.cut = true
		go r.onCut()
	}
	return pk, nil
}

// records returns every record the broker received so far, those it let through to
// be PUBACKed, and the errors decoding payloads.
func (r *recorder) records() (got, acked []received, errs []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...), append([]received(nil), r.acked...), append([]error(nil), r.errs...)
}

// startBroker runs a mochi broker on addr ("127.0.0.1:0" for any port) with the
// given extra hooks; it returns the broker and its bound address. With g nil every
// client is allowed.
func startBroker(t testing.TB, addr string, g *gate, hooks ...server.Hook) (*server.Server, string) {
	t.Helper()
	ln := listen(t, addr)
	return serveBroker(t, ln, g, hooks...), ln.Addr().String()
}

// listen listens on addr; the port of a broker just closed may linger briefly.
func listen(t testing.TB, addr string) net.Listener {
	t.Helper()
	for i := 0; ; i++ {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			return ln
		}
		if i == 50 {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serveBroker runs a mochi broker on ln with the given extra hooks. Closing ln
// before the broker refuses new connections at once; mochi's own Close leaves a
// window in which it accepts a connection and never answers it.
func serveBroker(t testing.TB, ln net.Listener, g *gate, hooks ...server.Hook) *server.Server {
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
	for _, h := range hooks {
		if err == nil {
			err = s.AddHook(h, nil)
		}
	}
	if err == nil {
		err = s.AddListener(listeners.NewNet("tcp", ln))
	}
	if err == nil {
		err = s.Serve()
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
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
}

// subscribe connects a subscriber to every topic of the test gateway; it reconnects
// and subscribes again by itself.
func subscribe(t testing.TB, addr string) *subscriber {
	t.Helper()
	sub := &subscriber{}
	subscribed := make(chan struct{}, 1)
	o := mqtt.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(subClientID).
		SetCleanSession(true).SetAutoReconnect(true).SetMaxReconnectInterval(50 * time.Millisecond).
		SetOnConnectHandler(func(c mqtt.Client) {
			tok := c.Subscribe(wire.TopicPrefix+"/+/+/+", 1, sub.handle)
			if tok.WaitTimeout(5*time.Second) && tok.Error() == nil {
				select {
				case subscribed <- struct{}{}:
				default:
				}
			}
		})
	sub.c = mqtt.NewClient(o)
	if tok := sub.c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber connect: %v", tok.Error())
	}
	t.Cleanup(func() { sub.c.Disconnect(0) })
	// Connect returns before the on-connect handler subscribed: wait for the SUBACK,
	// or a publisher started next could publish before anybody listens.
	select {
	case <-subscribed:
	case <-time.After(10 * time.Second):
		t.Fatal("subscriber: no SUBACK")
	}
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
