package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	server "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/lotsense/lotsense/drivers"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/publish"
	"github.com/lotsense/lotsense/gateway/wire"
)

// fakeSource is a transmitter read every 10 s (its own clock): temperature and
// humidity, the humidity bad at every 7th poll.
type fakeSource struct {
	id   string
	t    time.Time
	n    int
	sent *[]drivers.Reading
}

func (f *fakeSource) Poll(_ context.Context, _ time.Time, dst []drivers.Reading) ([]drivers.Reading, error) {
	f.t = f.t.Add(10 * time.Second)
	f.n++
	hq := drivers.Good
	if f.n%7 == 0 {
		hq = drivers.Bad
	}
	dst = append(dst, drivers.Reading{Sensor: f.id, Quantity: drivers.Temperature, Value: 4 + float64(f.n%10)/10, Time: f.t},
		drivers.Reading{Sensor: f.id, Quantity: drivers.RelativeHumidity, Value: 80, Quality: hq, Time: f.t})
	return dst, nil
}

func (f *fakeSource) Close() error { return nil }

// received is what a subscriber got from the gateway, by sequence number.
type received struct {
	mu       sync.Mutex
	readings map[uint64]wire.Reading
	events   map[uint64]bool
	alarms   map[uint64]wire.Alarm
}

func (r *received) handle(t *testing.T, m mqtt.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case strings.HasSuffix(m.Topic(), "/readings"):
		b, err := wire.DecodeReadings(m.Payload())
		if err != nil {
			t.Errorf("a reading batch the cloud would refuse: %v", err)
			return
		}
		for i, rd := range b.Readings {
			r.readings[b.FirstSeq+uint64(i)] = rd
		}
	case strings.HasSuffix(m.Topic(), "/alarms"):
		b, err := wire.DecodeAlarms(m.Payload())
		if err != nil {
			t.Errorf("an alarm batch the cloud would refuse: %v", err)
			return
		}
		for i, a := range b.Alarms {
			r.alarms[b.FirstSeq+uint64(i)] = a
		}
	case strings.HasSuffix(m.Topic(), "/events"):
		var b wire.EventBatch
		if err := json.Unmarshal(m.Payload(), &b); err != nil {
			t.Errorf("event batch: %v", err)
		}
		for i := range b.Events {
			r.events[b.FirstSeq+uint64(i)] = true
		}
	}
}

func budgetGateway(t *testing.T, dir, broker string) *gw {
	t.Helper()
	cfg, err := fwconfig.Parse("budget.yaml", []byte("site: s1\ngateway: g1\nmqtt:\n  broker: "+broker+
		"\noutbox:\n  dir: "+dir+"\n  thin_to: 5m\nlocations:\n  - id: room\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Outbox.MaxBytes = 256 << 10 // below the configurable minimum, to fill it fast
	clock := NewClock(1)
	return &gw{cfg: cfg, log: slog.New(slog.DiscardHandler), clock: clock, boot: newID(), sync: &syncState{},
		m: newMetrics(prometheus.NewRegistry()), binder: NewBinder(map[string][]string{"room": {"(01)09506000134352(10)L1"}})}
}

// The disk-budget proof: a 256 KiB outbox and a broker that stays down while
// readings keep coming. The gateway keeps accepting, thins, declares what it thinned
// in an alarm; once a broker is up everything drains, and accepted = delivered +
// thinned exactly, the alarm's ranges are exactly the missing seqs, the first
// reading (and first bad one) of every window per sensor and quantity arrived, no
// event was dropped, and the outbox reopens clean.
func TestDiskBudgetThinsDeclaresAndAddsUp(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	addr := unusedAddr(t) // nothing listens there until the broker starts
	g := budgetGateway(t, dir, "tcp://"+addr)
	opts := g.outboxOptions()
	ob, err := outbox.Open(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	g.ob = ob
	ctx, cancel := context.WithCancel(context.Background())
	stopPublisher := startPublisher(t, g, addr, cancel)
	var sent []drivers.Reading // in poll order: reading i got seq i+1
	srcs := []*fakeSource{{id: "th-1", t: time.Unix(1_750_000_000, 0)}, {id: "th-2", t: time.Unix(1_750_000_000, 0)}}
	poll := func(polls int) {
		for range polls {
			for _, s := range srcs {
				run := &sensorRun{id: s.id, location: "room", src: s}
				sent = append(sent, g.pollOnce(ctx, run, nil)...)
			}
		}
	}
	for i := range 40 { // the broker is down: about 1 MiB of readings into 256 KiB
		poll(100)
		if _, err := ob.Append(ctx, outbox.Events, [][]byte{fmt.Appendf(nil, `{"time":"2025-06-15T15:00:00Z","type":"receiving","location":"room","attrs":{"i":"%d"}}`, i)}); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if pb := ob.PendingBytes(); pb > int64(g.cfg.Outbox.MaxBytes) {
			t.Fatalf("pending bytes %d past the budget", pb)
		}
	}
	thinned := value(t, opts.Metrics.Thinned)
	if thinned == 0 || ob.Pending(outbox.Alarms) == 0 {
		t.Fatalf("nothing thinned (%v) or no alarm (%d) with the broker down", thinned, ob.Pending(outbox.Alarms))
	}
	got := &received{readings: map[uint64]wire.Reading{}, events: map[uint64]bool{}, alarms: map[uint64]wire.Alarm{}}
	startBrokerAt(t, addr)
	sub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("tcp://" + addr).SetClientID("budget-sub"))
	if tok := sub.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal("subscriber:", tok.Error())
	}
	defer sub.Disconnect(0)
	sub.Subscribe("lotsense/v1/s1/g1/#", 1, func(_ mqtt.Client, m mqtt.Message) { got.handle(t, m) }).Wait()
	poll(50) // live readings while the backlog drains

	waitDrained(t, ob, got)
	stopPublisher()
	checkAddsUp(t, g, opts, sent, got)
	nextSeq := ob.NextSeq(outbox.Readings)
	if err := ob.Close(); err != nil {
		t.Fatal(err)
	}
	ob, err = outbox.Open(context.Background(), dir, opts)
	if err != nil {
		t.Fatal("reopen:", err)
	}
	defer ob.Close()
	if ob.NextSeq(outbox.Readings) != nextSeq || ob.Pending(outbox.Readings)+ob.Pending(outbox.Alarms)+ob.Pending(outbox.Events) != 0 {
		t.Fatalf("reopened: next seq %d (want %d), pending %d", ob.NextSeq(outbox.Readings), nextSeq, ob.Pending(outbox.Readings))
	}
}

func startBrokerAt(t *testing.T, addr string) {
	t.Helper()
	srv := server.New(&server.Options{Logger: slog.New(slog.DiscardHandler)})
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddListener(listeners.NewTCP(listeners.Config{ID: "tcp", Address: addr})); err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
}

// waitDrained waits until every stream is acked to its end and the subscriber has
// the thinning alarm cleared.
func waitDrained(t *testing.T, ob *outbox.Outbox, got *received) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		done := true
		for _, s := range []outbox.Stream{outbox.Readings, outbox.Events, outbox.Alarms} {
			done = done && ob.Acked(s) == ob.NextSeq(s)-1
		}
		got.mu.Lock()
		cleared := false
		for _, a := range got.alarms {
			cleared = cleared || (a.Kind == outbox.AlarmThinned && a.State == "cleared")
		}
		got.mu.Unlock()
		if done && cleared {
			time.Sleep(100 * time.Millisecond) // the subscriber's last messages
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not drained: readings acked %d of %d, cleared alarm delivered %v", ob.Acked(outbox.Readings), ob.NextSeq(outbox.Readings)-1, cleared)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkAddsUp checks the counts and the sequence numbers against what was sent.
func checkAddsUp(t *testing.T, g *gw, opts outbox.Options, sent []drivers.Reading, got *received) {
	t.Helper()
	got.mu.Lock()
	defer got.mu.Unlock()
	if d, r := value(t, g.m.dropped), value(t, opts.Metrics.Refused); d != 0 || r != 0 {
		t.Fatalf("%v readings dropped, %v refused: thinning should have made room", d, r)
	}
	accepted := g.ob.NextSeq(outbox.Readings) - 1
	if accepted != uint64(len(sent)) {
		t.Fatalf("accepted %d, polled %d", accepted, len(sent))
	}
	declared := map[uint64]bool{}
	raised := 0
	for _, a := range got.alarms {
		if a.Kind == outbox.AlarmThinned && a.State == "raised" {
			raised++
			for _, seq := range parseSeqs(t, a.Message) {
				declared[seq] = true
			}
		}
	}
	thinned := int(value(t, opts.Metrics.Thinned))
	for seq := uint64(1); seq <= accepted; seq++ {
		r, ok := got.readings[seq]
		if ok == declared[seq] {
			t.Fatalf("seq %d: delivered %v, declared thinned %v", seq, ok, declared[seq])
		}
		if want := sent[seq-1]; ok && (r.Sensor != want.Sensor || !r.Time.Equal(want.Time) || r.Quantity != wire.Quantity(want.Quantity)) {
			t.Fatalf("seq %d: got %+v, sent %+v", seq, r, want)
		}
	}
	if len(got.readings)+thinned != int(accepted) || len(declared) != thinned {
		t.Fatalf("delivered %d + thinned %d != accepted %d (declared %d)", len(got.readings), thinned, accepted, len(declared))
	}
	first := map[string]uint64{}
	for i := len(sent) - 1; i >= 0; i-- {
		r := sent[i]
		first[fmt.Sprint(r.Sensor, r.Quantity, r.Quality == drivers.Good, r.Time.Unix()/300)] = uint64(i) + 1
	}
	for k, seq := range first {
		if _, ok := got.readings[seq]; !ok {
			t.Fatalf("%s: first reading of the window (seq %d) not delivered", k, seq)
		}
	}
	if len(got.events) != 40 || len(got.alarms) != int(g.ob.NextSeq(outbox.Alarms)-1) {
		t.Fatalf("events %d of 40, alarms %d of %d", len(got.events), len(got.alarms), g.ob.NextSeq(outbox.Alarms)-1)
	}
	t.Logf("accepted %d readings = delivered %d + thinned %d (%d passes, %d alarms declaring them); 40 events, %d alarms delivered",
		accepted, len(got.readings), thinned, raised, raised, len(got.alarms))
}

// parseSeqs reads the ranges after "seqs: " in an outbox_thinned alarm.
func parseSeqs(t *testing.T, msg string) []uint64 {
	t.Helper()
	_, list, ok := strings.Cut(msg, "seqs: ")
	if !ok {
		t.Fatalf("alarm message without seqs: %q", msg)
	}
	var out []uint64
	for _, part := range strings.Split(list, ",") {
		a, b, isRange := strings.Cut(part, "-")
		lo, err1 := strconv.ParseUint(a, 10, 64)
		hi, err2 := lo, error(nil)
		if isRange {
			hi, err2 = strconv.ParseUint(b, 10, 64)
		}
		if err1 != nil || err2 != nil || hi < lo {
			t.Fatalf("bad range %q in %q", part, msg)
		}
		for s := lo; s <= hi; s++ {
			out = append(out, s)
		}
	}
	return out
}

func value(t *testing.T, c any) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.(prometheus.Counter).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

func unusedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startPublisher runs a publisher with the gateway's encoder, as Run builds one
// (Run's also reports to the local API, left out here), reconnecting quickly; the
// function returned cancels it and waits for it.
func startPublisher(t *testing.T, g *gw, addr string, cancel context.CancelFunc) func() {
	t.Helper()
	pub, err := publish.New(g.ob, newEncoder("s1", "g1", g.boot, g.ob.Epoch()).encode, publish.Options{
		Broker: "tcp://" + addr, ClientID: "lotsense-g1", MaxBackoff: 300 * time.Millisecond, Logger: g.log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, done := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- pub.Run(ctx) }()
	return func() {
		done()
		cancel()
		if err := <-errc; err != nil {
			t.Error("publisher:", err)
		}
	}
}
