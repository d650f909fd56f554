package notify

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/alerts"
	"github.com/lotsense/lotsense/cloud/store"
)

// wait bounds every wait for something asynchronous; it normally takes milliseconds.
const wait = 10 * time.Second

var testSecret = []byte("0123456789abcdef-test-secret")

func openStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func newStore(t *testing.T) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cloud.db")
	st := openStore(t, path)
	t.Cleanup(func() { st.Close() })
	return st, path
}

// raise raises an alert as ingest does and returns the event.
func raise(t *testing.T, st *store.Store, a store.Alert) store.AlertEvent {
	t.Helper()
	ctx := context.Background()
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	ev, err := tx.RaiseAlert(ctx, &a, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return ev
}

func shipped(lot string) store.Alert {
	return store.Alert{Kind: store.KindHeldLotShipped, Severity: store.SeverityCritical, Site: "site-1", Location: "dock-1",
		Lot: lot, Gateway: "gw-1", Message: "lot " + lot + " on hold left through dock-1"}
}

// received is one request a receiver got.
type received struct {
	header http.Header
	body   []byte
}

// receiver is a webhook receiver on a loopback port that answers with the statuses in
// order (then 200) and records every request.
type receiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []received
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	t.Helper()
	r := &receiver{statuses: statuses}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{header: req.Header.Clone(), body: body})
		status := http.StatusOK
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// addWebhook stores a webhook to url with testSecret.
func addWebhook(t *testing.T, st *store.Store, url string, kinds []string, minSeverity string) int64 {
	t.Helper()
	w := store.Webhook{URL: url, Secret: testSecret, Kinds: kinds, MinSeverity: minSeverity}
	if err := st.AddWebhook(context.Background(), &w); err != nil {
		t.Fatal(err)
	}
	return w.ID
}

// fast are dispatcher options for tests: short waits, real clock, real HTTP.
func fast(st *store.Store, hub *alerts.Hub) WebhookOptions {
	return WebhookOptions{Store: st, Hub: hub, Every: 20 * time.Millisecond, MinBackoff: 20 * time.Millisecond,
		MaxBackoff: 100 * time.Millisecond, Timeout: 2 * time.Second, Logger: slog.New(slog.DiscardHandler)}
}

// runWebhooks runs a dispatcher until the returned stop is called (or the test ends)
// and checks Run returned nil.
func runWebhooks(t *testing.T, o WebhookOptions) (stop func()) {
	t.Helper()
	w, err := NewWebhooks(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(wait):
				t.Error("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitDelivery waits until the delivery of event to webhook is done (delivered or
// failed) and returns it.
func waitDelivery(t *testing.T, st *store.Store, webhook, event int64) store.Delivery {
	t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		list, err := st.Deliveries(context.Background(), store.DeliveryFilter{WebhookID: webhook, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range list {
			if d.EventID == event && (d.Delivered != nil || d.Failed != nil) {
				return d
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("delivery of event %d to webhook %d not done within %v", event, webhook, wait)
	return store.Delivery{}
}

// waitAttempts waits until at least n attempts of the delivery of event to webhook are
// recorded and returns it.
func waitAttempts(t *testing.T, st *store.Store, webhook, event int64, n int) store.Delivery {
	t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		list, err := st.Deliveries(context.Background(), store.DeliveryFilter{WebhookID: webhook, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range list {
			if d.EventID == event && d.Attempts >= n {
				return d
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("delivery of event %d to webhook %d: not %d attempts within %v", event, webhook, n, wait)
	return store.Delivery{}
}
