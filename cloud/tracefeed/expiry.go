package tracefeed

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/cloud/trace"
)

// ExpiryAlerts raises a near_expiry alert for each lot with stock on hand at a site
// that entered a smaller expiry bucket (of buckets, days) since the last call: one
// alert per lot and site, updated as the lot moves to a nearer bucket, warning in the
// nearest bucket, info otherwise. It returns how many alerts it raised or updated.
// Which bucket each lot was last alerted in is kept in the traceability record, so a
// restart does not alert again.
func ExpiryAlerts(ctx context.Context, st *store.Store, tr *trace.Store, at time.Time, buckets []int) (int, error) {
	if len(buckets) == 0 {
		buckets = trace.DefaultExpiryBuckets
	}
	near, err := tr.NearExpiryStock(ctx, at, buckets)
	if err != nil {
		return 0, err
	}
	smallest := buckets[0]
	for _, b := range buckets {
		smallest = min(smallest, b)
	}
	type lotSite struct{ key, site string }
	best := map[lotSite]trace.NearExpiry{}
	for _, n := range near {
		if n.Site == "" {
			continue
		}
		k := lotSite{n.Key, n.Site}
		if cur, ok := best[k]; !ok || n.Quantity > cur.Quantity {
			best[k] = n
		}
	}
	raised := 0
	for k, n := range best {
		mark := "near-expiry:" + k.site + ":" + k.key
		last, err := tr.Cursor(ctx, mark)
		if err != nil {
			return raised, err
		}
		if last != 0 && int(last) <= n.Bucket {
			continue // alerted in this bucket or a nearer one already
		}
		sev := store.SeverityInfo
		if n.Bucket == smallest {
			sev = store.SeverityWarning
		}
		a := &store.Alert{Kind: store.KindNearExpiry, Severity: sev, Site: k.site, Lot: k.key,
			Message: fmt.Sprintf("lot %s expires %s (%d days): %s %s on hand, within the %d-day bucket",
				n.Code, n.Expiry.Format(time.DateOnly), n.DaysLeft, strconv.FormatFloat(n.Quantity, 'f', -1, 64), n.Unit, n.Bucket)}
		tx, err := st.Begin(ctx)
		if err != nil {
			return raised, err
		}
		if _, err := tx.RaiseAlert(ctx, a, at); err != nil {
			tx.Rollback()
			return raised, err
		}
		if err := tx.Commit(); err != nil {
			return raised, err
		}
		// Marked after the alert commits: a crash in between alerts once more,
		// which updates the same open alert rather than losing it.
		if err := tr.SetCursor(ctx, mark, int64(n.Bucket)); err != nil {
			return raised, err
		}
		raised++
	}
	return raised, nil
}
