package downlink

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/drivers/gs1"
	"github.com/lotsense/lotsense/gateway/wire"
)

var (
	t0   = time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
	lotA = gs1.LotKey("09506000134352", "L-A")
	lotB = gs1.LotKey("09506000134369", "L-B")
	lotC = gs1.LotKey("09506000134376", "L-C")
)

const every = 50 * time.Millisecond // the tests' poll interval

func newStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// gatewayOnline records a gateway's status, as ingest does when its status arrives.
func gatewayOnline(t *testing.T, st *store.Store, site, gateway string) {
	t.Helper()
	err := st.SetGatewayStatus(context.Background(), &wire.Status{V: wire.Version, Site: site, Gateway: gateway,
		Boot: "b1", State: wire.StateOnline, Time: t0})
	if err != nil {
		t.Fatal(err)
	}
}

// hold puts a lot seen at site on hold, the way ingest does when an excursion starts.
func hold(t *testing.T, st *store.Store, site, key string) {
	t.Helper()
	ctx := context.Background()
	gtin, lot, err := gs1.ParseLotKey(key)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	id, err := tx.Lot(ctx, key, gtin, lot, site, "cold-room-1", t0)
	if err != nil {
		t.Fatal(err)
	}
	held, err := tx.SetLotStatus(ctx, id, store.StatusReleased, store.StatusOnHold, "excursion 1: test", "rules", t0)
	if err != nil || !held {
		t.Fatalf("lot %s put on hold: %v, %v", key, held, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// runPublisher runs a publisher until the test ends, and checks Run then returns nil.
func runPublisher(t *testing.T, o Options) {
	t.Helper()
	o.ClientID = "cloud-" + t.Name()
	o.Every = every
	o.Now = func() time.Time { return t0 }
	o.Logger = slog.New(slog.DiscardHandler)
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	})
}

// received is one hold list as a subscriber got it.
type received struct {
	topic    string
	retained bool
	raw      []byte
	holds    wire.Holds
}

// watcher is a subscriber to hold lists; it keeps every message it gets.
type watcher struct {
	t    *testing.T
	mu   sync.Mutex
	msgs []received
}

// watch connects a subscriber to brokerURL for filter.
func watch(t *testing.T, brokerURL, id, filter string) *watcher {
	t.Helper()
	w := &watcher{t: t}
	c := paho.NewClient(paho.NewClientOptions().AddBroker(brokerURL).SetClientID(id).SetAutoReconnect(false))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber %s: connect: %v", id, tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	tok := c.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) {
		r := received{topic: m.Topic(), retained: m.Retained(), raw: bytes.Clone(m.Payload())}
		if err := wire.Decode(r.raw, &r.holds, &r.holds.V); err != nil {
			t.Errorf("hold list on %s does not decode: %v: %s", r.topic, err, r.raw)
		}
		w.mu.Lock()
		w.msgs = append(w.msgs, r)
		w.mu.Unlock()
	})
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber %s: subscribe: %v", id, tok.Error())
	}
	return w
}

// on returns the messages received on topic so far.
func (w *watcher) on(topic string) []received {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []received
	for _, r := range w.msgs {
		if r.topic == topic {
			out = append(out, r)
		}
	}
	return out
}

// await returns the first message on topic whose hold list satisfies ok, waiting up to
// 10 s for it.
func (w *watcher) await(topic string, ok func(wire.Holds) bool) received {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, r := range w.on(topic) {
			if ok(r.holds) {
				return r
			}
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("no matching hold list on %s; got %+v", topic, w.on(topic))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// counter reads a counter from reg.
func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no counter %s", name)
	return 0
}
