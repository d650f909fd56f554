package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
)

func TestAlertListFilters(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	e.write(func(ctx context.Context, tx *store.Tx) error {
		for _, a := range []store.Alert{
			{Kind: store.KindGatewayOffline, Severity: store.SeverityWarning, Site: "plant-1", Gateway: "gw-1"},
			{Kind: store.KindHeldLotShipped, Severity: store.SeverityCritical, Site: "plant-2", Location: "dock-1"},
			{Kind: store.KindOutboxRefusing, Severity: store.SeverityCritical, Site: "plant-1", Gateway: "gw-1"},
		} {
			if _, err := tx.RaiseAlert(ctx, &a, t0); err != nil {
				return err
			}
		}
		return nil
	})
	if _, err := e.st.AcknowledgeAlert(ctx, 2, "qa", "", t0); err != nil {
		t.Fatal(err)
	}
	for query, want := range map[string]string{
		"":                      "3 2 1",
		"?site=plant-1":         "3 1",
		"?severity=critical":    "3 2",
		"?kind=gateway_offline": "1",
		"?state=acknowledged":   "2",
		"?state=open&site=plant-1&severity=critical": "3",
		"?state=resolved":       "",
		"?kind=excursion":       "",
		"?site=plant-1&limit=1": "3",
	} {
		var list []store.Alert
		e.get("/api/alerts"+query, &list)
		var ids []string
		for _, a := range list {
			ids = append(ids, strconv.FormatInt(a.ID, 10))
		}
		if got := strings.Join(ids, " "); got != want {
			t.Errorf("GET /api/alerts%s: alerts %q, want %q", query, got, want)
		}
	}
	for _, q := range []string{"?state=closed", "?severity=high", "?kind=Bad+Kind", "?site=-x", "?limit=0"} {
		if msg := e.wantStatus("/api/alerts"+q, http.StatusBadRequest); !strings.Contains(msg, strings.Split(q[1:], "=")[0]) {
			t.Errorf("GET /api/alerts%s: error %q does not name the parameter", q, msg)
		}
	}
	// The new fields are in the answer.
	var list []store.Alert
	e.get("/api/alerts?state=acknowledged", &list)
	if len(list) != 1 || list[0].Count != 1 || list[0].FirstSeen.IsZero() || list[0].LastSeen.IsZero() ||
		list[0].Acknowledged == nil || list[0].Acknowledged.By != "qa" || list[0].Location != "dock-1" {
		t.Errorf("acknowledged alert %+v", list)
	}
}

// Changes after the first reach the stream as alert_update events with the alert as it
// is now; a repeat of the condition too.
func TestStreamSendsUpdates(t *testing.T) {
	e := newEnv(t, Options{})
	s := e.stream("", "")
	s.hello()
	opened := e.raise(0, "first")
	if ev := s.next(); ev.event != "alert" || ev.id != strconv.FormatInt(opened.ID, 10) {
		t.Fatalf("event %+v, want alert %d", ev, opened.ID)
	}
	// The same condition again.
	var again store.AlertEvent
	e.write(func(ctx context.Context, tx *store.Tx) (err error) {
		a := opened.Alert
		a.Message = "second"
		again, err = tx.RaiseAlert(ctx, &a, t0.Add(2*time.Hour))
		return err
	})
	if _, err := e.st.AcknowledgeAlert(context.Background(), opened.Alert.ID, "qa", "on it", t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		id    int64
		state string
		count int64
	}{{again.ID, store.AlertOpen, 2}, {again.ID + 1, store.AlertAcknowledged, 2}} {
		ev := s.next()
		var a store.Alert
		if err := json.Unmarshal([]byte(ev.data), &a); err != nil {
			t.Fatal(err)
		}
		if ev.event != "alert_update" || ev.id != strconv.FormatInt(want.id, 10) || a.ID != opened.Alert.ID || a.State != want.state || a.Count != want.count {
			t.Fatalf("event %+v (alert %+v), want alert_update %d: %s, count %d", ev, a, want.id, want.state, want.count)
		}
	}
}
