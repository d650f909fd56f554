package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/alerts"
	"github.com/lotsense/lotsense/cloud/store"
)

// A delivery carries the alert event as JSON and a signature a receiver can check with
// nothing but the secret: HMAC-SHA256 over "<timestamp>.<body>".
func TestWebhookSignatureVerifiesWithTheSecret(t *testing.T) {
	st, _ := newStore(t)
	r := newReceiver(t)
	hook := addWebhook(t, st, r.srv.URL+"/hooks/lotsense?token=x", nil, "")
	hub := alerts.NewHub(16)
	st.OnAlertEvents(hub.Wake)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go hub.Follow(ctx, st, alerts.FollowOptions{Every: time.Hour})
	o := fast(st, hub)
	o.Every = time.Hour // only the hub's signal can make it deliver in time
	runWebhooks(t, o)

	ev := raise(t, st, shipped("(01)09506000134352(10)L1"))
	d := waitDelivery(t, st, hook, ev.ID)
	got := r.requests()
	if d.Delivered == nil || d.Attempts != 1 || d.LastStatus != 200 || len(got) != 1 {
		t.Fatalf("delivery %+v, %d requests; want delivered at the first attempt", d, len(got))
	}
	req := got[0]
	ts := req.header.Get("X-Lotsense-Timestamp")
	mac := hmac.New(sha256.New, testSecret)
	mac.Write([]byte(ts + "." + string(req.body)))
	if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); req.header.Get("X-Lotsense-Signature") != want {
		t.Errorf("signature %q, want %q", req.header.Get("X-Lotsense-Signature"), want)
	}
	if sec, err := strconv.ParseInt(ts, 10, 64); err != nil || time.Since(time.Unix(sec, 0)).Abs() > time.Minute {
		t.Errorf("timestamp %q is not the time of sending", ts)
	}
	if req.header.Get("X-Lotsense-Delivery") != strconv.FormatInt(d.ID, 10) || req.header.Get("X-Lotsense-Event") != "opened" ||
		req.header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", req.header)
	}
	var body store.AlertEvent
	if err := json.Unmarshal(req.body, &body); err != nil {
		t.Fatal(err)
	}
	if body.ID != ev.ID || body.Action != "opened" || body.Alert.ID != ev.Alert.ID || body.Alert.Kind != "held_lot_shipped" ||
		body.Alert.Lot != "(01)09506000134352(10)L1" || body.Alert.Location != "dock-1" || body.Alert.Severity != "critical" {
		t.Errorf("body %s", req.body)
	}
	// Verify accepts it, and refuses it changed, with another secret, or replayed later.
	now := time.Now()
	if err := Verify(testSecret, req.header, req.body, now, 5*time.Minute); err != nil {
		t.Errorf("Verify: %v", err)
	}
	for name, check := range map[string]error{
		"changed body":   Verify(testSecret, req.header, append([]byte(" "), req.body...), now, 5*time.Minute),
		"other secret":   Verify([]byte("another secret of 16+ bytes"), req.header, req.body, now, 5*time.Minute),
		"replayed later": Verify(testSecret, req.header, req.body, now.Add(10*time.Minute), 5*time.Minute),
		"no signature":   Verify(testSecret, http.Header{"X-Lotsense-Timestamp": {ts}}, req.body, now, 5*time.Minute),
	} {
		if !errors.Is(check, ErrSignature) {
			t.Errorf("Verify with %s: %v, want ErrSignature", name, check)
		}
	}
}

// A receiver failing twice (500) then answering 200 gets the alert delivered once,
// after 3 attempts that are all in the log; every attempt is the same delivery.
func TestWebhookRetriesUntilDelivered(t *testing.T) {
	st, _ := newStore(t)
	r := newReceiver(t, 500, 500, 200)
	hook := addWebhook(t, st, r.srv.URL, nil, "")
	runWebhooks(t, fast(st, nil))
	ev := raise(t, st, shipped("(01)09506000134352(10)L1"))
	d := waitDelivery(t, st, hook, ev.ID)
	if d.Delivered == nil || d.Failed != nil || d.Attempts != 3 || d.LastStatus != 200 || d.LastError != "" {
		t.Fatalf("delivery %+v, want delivered after 3 attempts", d)
	}
	got := r.requests()
	if len(got) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(got))
	}
	for _, g := range got[1:] {
		if g.header.Get("X-Lotsense-Delivery") != got[0].header.Get("X-Lotsense-Delivery") || string(g.body) != string(got[0].body) {
			t.Errorf("a retry differs from the first attempt: %v %s", g.header, g.body)
		}
	}
	time.Sleep(200 * time.Millisecond) // nothing more is sent once delivered
	if n := len(r.requests()); n != 3 {
		t.Errorf("receiver got %d requests after delivery, want 3", n)
	}
}

// A refused request (4xx other than 408/429) is not retried; a receiver that keeps
// failing is given up at the bound, and the failures are in the log.
func TestWebhookGivesUp(t *testing.T) {
	st, _ := newStore(t)
	gone := newReceiver(t, 404)
	down := newReceiver(t, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503)
	hookGone := addWebhook(t, st, gone.srv.URL, nil, "")
	hookDown := addWebhook(t, st, down.srv.URL, nil, "")
	o := fast(st, nil)
	o.GiveUpAfter = 300 * time.Millisecond
	runWebhooks(t, o)
	ev := raise(t, st, shipped("(01)09506000134352(10)L1"))
	d := waitDelivery(t, st, hookGone, ev.ID)
	if d.Failed == nil || d.Attempts != 1 || d.LastStatus != 404 || !strings.Contains(d.LastError, "not retried") {
		t.Errorf("delivery to a 404 receiver %+v, want failed after 1 attempt", d)
	}
	d = waitDelivery(t, st, hookDown, ev.ID)
	if d.Failed == nil || d.Delivered != nil || d.Attempts < 1 || d.LastStatus != 503 || !strings.Contains(d.LastError, "gave up") ||
		d.Failed.Sub(d.Queued) < 300*time.Millisecond {
		t.Errorf("delivery to a failing receiver %+v, want given up after 300ms", d)
	}
	failed, err := st.Deliveries(context.Background(), store.DeliveryFilter{Failed: true})
	if err != nil || len(failed) != 2 {
		t.Errorf("failed deliveries %+v %v, want 2", failed, err)
	}
}

// A network error (nothing listens) is retried too.
func TestWebhookRetriesNetworkErrors(t *testing.T) {
	st, _ := newStore(t)
	r := newReceiver(t)
	url := r.srv.URL
	r.srv.Close() // the port refuses connections now
	hook := addWebhook(t, st, url, nil, "")
	runWebhooks(t, fast(st, nil))
	ev := raise(t, st, shipped("(01)09506000134352(10)L1"))
	d := waitAttempts(t, st, hook, ev.ID, 2)
	if d.Failed != nil || d.Delivered != nil || d.LastStatus != 0 || !strings.Contains(d.LastError, "refused") ||
		!d.NextAttempt.After(*d.LastAttempt) {
		t.Errorf("delivery %+v, want pending, refused twice, a next attempt scheduled", d)
	}
}

// A cloud stopped while a delivery is pending resumes it after the restart (a new
// dispatcher on the same database file), and delivers what was queued meanwhile.
func TestWebhookDeliveriesSurviveARestart(t *testing.T) {
	st, path := newStore(t)
	r := newReceiver(t, 503)
	hook := addWebhook(t, st, r.srv.URL, nil, "")
	o := fast(st, nil)
	o.MinBackoff, o.MaxBackoff = time.Hour, time.Hour // the retry would come long after the test
	stop := runWebhooks(t, o)
	first := raise(t, st, shipped("(01)09506000134352(10)L1"))
	waitAttempts(t, st, hook, first.ID, 1)
	stop()
	second := raise(t, st, shipped("(01)09506000134352(10)L2")) // queued while no dispatcher runs
	pending, err := st.Deliveries(context.Background(), store.DeliveryFilter{Pending: true})
	if err != nil || len(pending) != 2 || pending[1].Attempts != 1 || pending[1].LastStatus != 503 {
		t.Fatalf("pending before the restart %+v %v, want 2 (the first tried once)", pending, err)
	}
	st.Close()

	st2 := openStore(t, path)
	defer st2.Close()
	// The pending retry is due in an hour; the restarted cloud's clock says it is then.
	o2 := fast(st2, nil)
	o2.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	runWebhooks(t, o2)
	for _, ev := range []store.AlertEvent{first, second} {
		d := waitDelivery(t, st2, hook, ev.ID)
		if d.Delivered == nil {
			t.Errorf("event %d: %+v, want delivered", ev.ID, d)
		}
	}
	got := r.requests()
	lots := map[string]int{}
	for _, g := range got {
		var e store.AlertEvent
		if err := json.Unmarshal(g.body, &e); err != nil {
			t.Fatal(err)
		}
		lots[e.Alert.Lot]++
	}
	if len(got) != 3 || lots["(01)09506000134352(10)L1"] != 2 || lots["(01)09506000134352(10)L2"] != 1 {
		t.Errorf("receiver got %v, want L1 twice (503, then 200) and L2 once", lots)
	}
}

// A webhook gets only the kinds and severities it asked for; a removed one nothing.
func TestWebhookFilters(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	r := newReceiver(t)
	onlyShipped := addWebhook(t, st, r.srv.URL, []string{"held_lot_shipped"}, "")
	critical := addWebhook(t, st, r.srv.URL, nil, "critical")
	removed := addWebhook(t, st, r.srv.URL, nil, "")
	if err := st.RemoveWebhook(ctx, removed); err != nil {
		t.Fatal(err)
	}
	raise(t, st, store.Alert{Kind: store.KindGatewayOffline, Severity: store.SeverityWarning, Site: "site-1", Gateway: "gw-1"})
	raise(t, st, store.Alert{Kind: store.KindOutboxRefusing, Severity: store.SeverityCritical, Site: "site-1", Gateway: "gw-1"})
	raise(t, st, shipped("(01)09506000134352(10)L1"))
	list, err := st.Deliveries(ctx, store.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64][]string{}
	for _, d := range list {
		got[d.WebhookID] = append(got[d.WebhookID], d.Kind)
	}
	if strings.Join(got[onlyShipped], ",") != "held_lot_shipped" || strings.Join(got[critical], ",") != "held_lot_shipped,outbox_refusing" ||
		len(got[removed]) != 0 {
		t.Errorf("deliveries by webhook %v", got)
	}
	hooks, err := st.Webhooks(ctx)
	if err != nil || len(hooks) != 2 || hooks[0].Pending != 1 || hooks[1].Pending != 2 {
		t.Errorf("webhooks %+v %v", hooks, err)
	}
	if err := st.RemoveWebhook(ctx, removed); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("removing a removed webhook: %v, want ErrNotFound", err)
	}
}
