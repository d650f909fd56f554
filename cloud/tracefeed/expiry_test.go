package tracefeed_test

import (
	"context"
	"testing"

	"github.com/lotsense/lotsense/cloud/store"
	tt "github.com/lotsense/lotsense/cloud/trace/tracetest"
	"github.com/lotsense/lotsense/cloud/tracefeed"
)

func TestExpiryAlertsOncePerBucket(t *testing.T) {
	ctx := context.Background()
	st, tr := open(t)
	buckets := []int{15, 30, 60}
	// 2026-11-22: salad lot 2 has 13 days (15-day bucket), lots 1 and 3 18 and 28 (30).
	n, err := tracefeed.ExpiryAlerts(ctx, st, tr, tt.Day(11, 22, 9), buckets)
	if err != nil || n != 3 {
		t.Fatalf("first run raised %d, %v; want 3", n, err)
	}
	if n, err := tracefeed.ExpiryAlerts(ctx, st, tr, tt.Day(11, 22, 10), buckets); err != nil || n != 0 {
		t.Errorf("second run the same day raised %d, %v; want 0", n, err)
	}
	// Five days later salad lot 1 (13 days left) enters the 15-day bucket: its alert
	// is updated and raised to warning, nothing else changes.
	if n, err := tracefeed.ExpiryAlerts(ctx, st, tr, tt.Day(11, 27, 9), buckets); err != nil || n != 1 {
		t.Errorf("five days later raised %d, %v; want 1", n, err)
	}
	alerts, err := st.Alerts(ctx, store.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	sev := map[string]string{}
	for _, a := range alerts {
		if a.Kind == store.KindNearExpiry {
			sev[a.Lot] = a.Severity
		}
	}
	want := map[string]string{
		tt.Key(tt.SaladGTIN, tt.Salad1): store.SeverityWarning,
		tt.Key(tt.SaladGTIN, tt.Salad2): store.SeverityWarning,
		tt.Key(tt.SaladGTIN, tt.Salad3): store.SeverityInfo,
	}
	if len(sev) != len(want) {
		t.Fatalf("near-expiry alerts %v, want %v", sev, want)
	}
	for k, v := range want {
		if sev[k] != v {
			t.Errorf("alert of %s: %q, want %q", k, sev[k], v)
		}
	}
}
