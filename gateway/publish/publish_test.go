package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/wire"
)

func openOutbox(t testing.TB) *outbox.Outbox {
	t.Helper()
	o, err := outbox.Open(context.Background(), t.TempDir(), outbox.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

// start runs a publisher until the test ends; it returns a stop function that waits
// for Run to return.
func start(t testing.TB, src Source, addr string, opts Options) func() {
	t.Helper()
	opts.Broker = "tcp://" + addr
	if opts.ClientID == "" {
		opts.ClientID = testGateway
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p, err := New(src, testEncoder(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// checkStream checks that the records of kind are prefix-0..prefix-(n-1) with
// sequence numbers 1..n, each at least once; it returns the number of duplicates and
// whether the first arrival of each was in order.
func checkStream(t *testing.T, got []received, kind wire.Kind, prefix string, n int) (dups int, inOrder bool) {
	t.Helper()
	seen := make(map[uint64]bool)
	inOrder = true
	var last uint64
	for _, r := range got {
		if r.kind != kind {
			continue
		}
		if want := fmt.Sprintf("%s-%d", prefix, r.seq-1); r.data != want {
			t.Fatalf("%s seq %d: %q, want %q", kind, r.seq, r.data, want)
		}
		if seen[r.seq] {
			dups++
			continue
		}
		seen[r.seq] = true
		if r.seq != last+1 {
			inOrder = false
		}
		last = r.seq
	}
	if len(seen) != n {
		t.Fatalf("%s: %d distinct records arrived, want %d", kind, len(seen), n)
	}
	return dups, inOrder
}

func count(got []received, kind wire.Kind) int {
	n := 0
	for _, r := range got {
		if r.kind == kind {
			n++
		}
	}
	return n
}

func TestDeliversInOrderAndAcks(t *testing.T) {
	_, addr := startBroker(t, "127.0.0.1:0", nil)
	sub := subscribe(t, addr, nil)
	o := openOutbox(t)
	appendN(t, o, outbox.Readings, "r", 0, 5000, 100)
	appendN(t, o, outbox.Events, "e", 0, 30, 3)
	appendN(t, o, outbox.Alarms, "a", 0, 7, 1)
	var online atomic.Int32
	start(t, o, addr, Options{BatchSize: 250, MaxInflight: 4, OnConnect: func(ctx context.Context, c Client) error {
		online.Add(1)
		tok := c.Publish(wire.Topic(testSite, testGateway, wire.KindStatus), 1, true, []byte(`{"state":"online"}`))
		<-tok.Done()
		return tok.Error()
	}})
	waitFor(t, 10*time.Second, "every record", func() bool {
		g := sub.snapshot()
		return count(g, wire.KindReadings) >= 5000 && count(g, wire.KindEvents) >= 30 && count(g, wire.KindAlarms) >= 7
	})
	got := sub.snapshot()
	for _, c := range []struct {
		kind   wire.Kind
		prefix string
		n      int
	}{{wire.KindReadings, "r", 5000}, {wire.KindEvents, "e", 30}, {wire.KindAlarms, "a", 7}} {
		if dups, ordered := checkStream(t, got, c.kind, c.prefix, c.n); dups != 0 || !ordered {
			t.Errorf("%s: %d duplicates, in order %v; want none and in order", c.kind, dups, ordered)
		}
	}
	waitFor(t, 5*time.Second, "the ack cursors", func() bool {
		return o.Acked(outbox.Readings) == 5000 && o.Acked(outbox.Events) == 30 && o.Acked(outbox.Alarms) == 7
	})
	if online.Load() != 1 {
		t.Errorf("on-connect hook ran %d times, want 1", online.Load())
	}
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if len(sub.errs) > 0 {
		t.Fatalf("subscriber could not decode: %v", sub.errs[0])
	}
}

// heldClient wraps the real client and holds every publish token's completion until
// release is closed, as if the PUBACKs were slow.
type heldClient struct {
	Client
	release chan struct{}
}

type heldToken struct {
	mqtt.Token
	done chan struct{}
}

func (h heldToken) Done() <-chan struct{} { return h.done }

func (h *heldClient) Publish(topic string, qos byte, retained bool, payload any) mqtt.Token {
	tok := h.Client.Publish(topic, qos, retained, payload)
	ht := heldToken{Token: tok, done: make(chan struct{})}
	go func() {
		<-tok.Done()
		<-h.release
		close(ht.done)
	}()
	return ht
}

func TestAcksOnlyAfterPuback(t *testing.T) {
	_, addr := startBroker(t, "127.0.0.1:0", nil)
	sub := subscribe(t, addr, nil)
	o := openOutbox(t)
	appendN(t, o, outbox.Events, "e", 0, 100, 10)
	release := make(chan struct{})
	start(t, o, addr, Options{BatchSize: 10, MaxInflight: 100, NewClient: func(co *mqtt.ClientOptions) Client {
		return &heldClient{Client: mqtt.NewClient(co), release: release}
	}})
	waitFor(t, 5*time.Second, "delivery", func() bool { return count(sub.snapshot(), wire.KindEvents) == 100 })
	time.Sleep(50 * time.Millisecond)
	if a := o.Acked(outbox.Events); a != 0 {
		t.Fatalf("acked up to %d while no PUBACK was let through", a)
	}
	close(release)
	waitFor(t, 5*time.Second, "acks", func() bool { return o.Acked(outbox.Events) == 100 })
}

func TestBrokerRestartLosesNothing(t *testing.T) {
	g := &gate{open: new(atomic.Bool)}
	broker, addr := startBroker(t, "127.0.0.1:0", g)
	sub := subscribe(t, addr, g)
	o := openOutbox(t)
	const first, more = 50000, 5000
	appendN(t, o, outbox.Readings, "r", 0, first, 100)
	closed := make(chan int, 1)
	sub.mu.Lock()
	sub.atCount, sub.onCount = 2000, func() {
		// The gateway's connection goes first: were the subscriber's closed first,
		// the broker would PUBACK messages nobody receives any more.
		g.open.Store(false)
		if cl, ok := broker.Clients.Get(testGateway); ok {
			cl.Stop(errors.New("test: broker stopping"))
		}
		if err := broker.Close(); err != nil {
			t.Error(err)
		}
		closed <- count(sub.snapshot(), wire.KindReadings)
	}
	sub.mu.Unlock()
	start(t, o, addr, Options{BatchSize: 20, MaxInflight: 4, MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	before := <-closed
	if before >= first {
		t.Fatalf("the broker stopped only after all %d readings arrived", before)
	}
	appendN(t, o, outbox.Readings, "r", first, first+more, 100)
	appendN(t, o, outbox.Alarms, "a", 0, 5, 1)
	time.Sleep(200 * time.Millisecond) // a few reconnect attempts fail
	acked := o.Acked(outbox.Readings)
	broker2, _ := startBroker(t, addr, g)
	defer broker2.Close()

	waitFor(t, 20*time.Second, "everything after the restart", func() bool {
		return o.Acked(outbox.Readings) == first+more && o.Acked(outbox.Alarms) == 5
	})
	deadline := time.Now().Add(5 * time.Second)
	for count(sub.snapshot(), wire.KindReadings) < first+more || count(sub.snapshot(), wire.KindAlarms) < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("subscriber: missing %s", missing(sub.snapshot(), first+more))
		}
		time.Sleep(5 * time.Millisecond)
	}
	got := sub.snapshot()
	dups, _ := checkStream(t, got, wire.KindReadings, "r", first+more)
	adups, _ := checkStream(t, got, wire.KindAlarms, "a", 5)
	t.Logf("broker stopped after %d readings arrived (ack cursor %d during the outage); %d duplicate readings, %d duplicate alarms",
		before, acked, dups, adups)
}

func TestAlarmsBeforeBacklog(t *testing.T) {
	_, addr := startBroker(t, "127.0.0.1:0", nil)
	sub := subscribe(t, addr, nil)
	o := openOutbox(t)
	const backlog = 100000
	appendN(t, o, outbox.Readings, "r", 0, backlog, 1000)
	appendN(t, o, outbox.Alarms, "a", 0, 1, 1)
	start(t, o, addr, Options{BatchSize: 100, MaxInflight: 4})
	waitFor(t, 10*time.Second, "the first readings", func() bool { return count(sub.snapshot(), wire.KindReadings) > 0 })
	appendN(t, o, outbox.Alarms, "a", 1, 2, 1)
	waitFor(t, 30*time.Second, "the backlog", func() bool { return count(sub.snapshot(), wire.KindReadings) >= backlog })
	got := sub.snapshot()
	var alarmsAt []int // readings received before each alarm
	readings := 0
	for _, r := range got {
		switch r.kind {
		case wire.KindReadings:
			readings++
		case wire.KindAlarms:
			alarmsAt = append(alarmsAt, readings)
		}
	}
	if len(alarmsAt) != 2 || alarmsAt[0] != 0 || alarmsAt[1] >= backlog/2 {
		t.Fatalf("alarms arrived after %v readings; want the first before any and the second well before %d", alarmsAt, backlog)
	}
}

// missing describes which readings 1..n did not arrive.
func missing(got []received, n int) string {
	seen := make([]bool, n+1)
	alarms := 0
	for _, r := range got {
		if r.kind == wire.KindReadings && r.seq <= uint64(n) {
			seen[r.seq] = true
		}
		if r.kind == wire.KindAlarms {
			alarms++
		}
	}
	var out []string
	for i := 1; i <= n; i++ {
		if !seen[i] {
			j := i
			for j < n && !seen[j+1] {
				j++
			}
			out = append(out, fmt.Sprintf("%d-%d", i, j))
			i = j
		}
	}
	return fmt.Sprintf("readings %v, %d alarms arrived", out, alarms)
}
