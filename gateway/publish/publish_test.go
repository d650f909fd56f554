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
	sub := subscribe(t, addr)
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
	sub := subscribe(t, addr)
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

// TestBrokerRestartLosesNothing stops the broker mid-stream, appends more while it
// is down and starts a new broker on the same port. It checks the publisher's
// promise against what each broker instance received from the gateway (recorded
// before the broker PUBACKs): a record leaves the outbox only after a broker
// received and PUBACKed it, and everything not PUBACKed is sent again after the
// reconnect.
// What a stopped broker had acknowledged but not yet forwarded to subscribers is
// lost with it, which is no fault of the publisher; so the subscriber only checks
// the second broker's life, which nothing cuts short.
func TestBrokerRestartLosesNothing(t *testing.T) {
	rec1 := new(recorder)
	ln1 := listen(t, "127.0.0.1:0")
	broker1, addr := serveBroker(t, ln1, nil, rec1), ln1.Addr().String()
	sub := subscribe(t, addr)
	o := openOutbox(t)
	const first, more, alarms = 50000, 5000, 5
	appendN(t, o, outbox.Readings, "r", 0, first, 100)
	stopped := make(chan struct{})
	rec1.cutAfter(2000, func() {
		// From here on broker1 PUBACKs nothing more. Its port is closed first, so
		// that no client reconnects to the dying broker.
		ln1.Close()
		if cl, ok := broker1.Clients.Get(testGateway); ok {
			cl.Stop(errors.New("test: broker stopping"))
		}
		if err := broker1.Close(); err != nil {
			t.Error(err)
		}
		close(stopped)
	})
	// A Publish racing the connection loss blocks in paho for up to WriteTimeout,
	// which is Timeout: keep it short.
	stop := start(t, o, addr, Options{BatchSize: 20, MaxInflight: 4, MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
		Timeout: 2 * time.Second})
	select {
	case <-stopped:
	case <-time.After(20 * time.Second):
		t.Fatalf("broker1 never received 2000 readings; outbox acked %d", o.Acked(outbox.Readings))
	}
	appendN(t, o, outbox.Readings, "r", first, first+more, 100)
	appendN(t, o, outbox.Alarms, "a", 0, alarms, 1)
	time.Sleep(200 * time.Millisecond) // a few reconnect attempts fail
	got1, pubacked1, errs := rec1.records()
	// PUBACKs already on their way may still be acked after the stop, but every one
	// of them was recorded before broker1 sent it.
	acked := o.Acked(outbox.Readings)
	checkReceived(t, "broker1 PUBACKed", pubacked1, wire.KindReadings, acked)
	if a := o.Acked(outbox.Alarms); a != 0 {
		t.Fatalf("%d alarms acked while no broker was running", a)
	}
	if n := distinct(got1, wire.KindReadings); n >= first {
		t.Fatalf("broker1 received all %d readings before it stopped", n)
	}

	gate2, rec2 := new(gate), new(recorder)
	broker2, _ := startBroker(t, addr, gate2, rec2)
	defer broker2.Close()
	waitFor(t, 20*time.Second, "everything acked after the restart", func() bool {
		return o.Acked(outbox.Readings) == first+more && o.Acked(outbox.Alarms) == alarms
	})
	stop() // no more publishes: the records below are final
	got2, pubacked2, errs2 := rec2.records()
	if errs = append(errs, errs2...); len(errs) > 0 {
		t.Fatalf("a broker received a payload that does not decode: %v", errs[0])
	}
	pubacked := append(pubacked1, pubacked2...)
	checkReceived(t, "the brokers PUBACKed", pubacked, wire.KindReadings, first+more)
	checkReceived(t, "the brokers PUBACKed", pubacked, wire.KindAlarms, alarms)
	all := append(got1, got2...)
	dups, ordered := checkStream(t, all, wire.KindReadings, "r", first+more)
	adups, aordered := checkStream(t, all, wire.KindAlarms, "a", alarms)
	if !ordered || !aordered {
		t.Errorf("first arrivals at the brokers out of order: readings %v, alarms %v", ordered, aordered)
	}

	// Secondary: broker2 was never cut short, so its subscriber, subscribed before
	// the gateway was let in, gets everything broker2 received.
	waitFor(t, 10*time.Second, "the subscriber to get what broker2 received", func() bool {
		return len(notIn(got2, sub.snapshot())) == 0
	})
	t.Logf("broker1 received %d readings and PUBACKed %d (ack cursor %d during the outage), broker2 received %d readings and %d alarms; %d duplicate readings, %d duplicate alarms",
		count(got1, wire.KindReadings), count(pubacked1, wire.KindReadings), acked, count(got2, wire.KindReadings), count(got2, wire.KindAlarms), dups, adups)
}

func TestAlarmsBeforeBacklog(t *testing.T) {
	_, addr := startBroker(t, "127.0.0.1:0", nil)
	sub := subscribe(t, addr)
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

// distinct returns the number of distinct sequence numbers of kind in got.
func distinct(got []received, kind wire.Kind) int {
	seen := make(map[uint64]bool)
	for _, r := range got {
		if r.kind == kind {
			seen[r.seq] = true
		}
	}
	return len(seen)
}

// checkReceived fails unless records 1..n of kind are all in got; who names the
// receiver.
func checkReceived(t *testing.T, who string, got []received, kind wire.Kind, n uint64) {
	t.Helper()
	want := make([]received, n)
	for i := range want {
		want[i] = received{kind: kind, seq: uint64(i) + 1}
	}
	if m := notIn(want, got); len(m) > 0 {
		t.Fatalf("%s not %s %s of the %d the outbox acked", who, kind, ranges(m), n)
	}
}

// notIn returns the records of want (compared by kind and sequence number) that
// are not in got.
func notIn(want, got []received) []received {
	type key struct {
		kind wire.Kind
		seq  uint64
	}
	have := make(map[key]bool, len(got))
	for _, r := range got {
		have[key{r.kind, r.seq}] = true
	}
	var out []received
	for _, r := range want {
		if !have[key{r.kind, r.seq}] {
			out = append(out, r)
		}
	}
	return out
}

// ranges describes the sequence numbers of recs (in ascending order) as ranges.
func ranges(recs []received) string {
	var out []string
	for i := 0; i < len(recs); {
		j := i
		for j+1 < len(recs) && recs[j+1].seq == recs[j].seq+1 {
			j++
		}
		out = append(out, fmt.Sprintf("%d-%d", recs[i].seq, recs[j].seq))
		i = j + 1
	}
	return fmt.Sprint(out)
}
