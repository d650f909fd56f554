package holds

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
)

const lot = "(01)09506000134352(10)L1"

func newStore(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Lot(ctx, lot, "09506000134352", "L1", "site-1", "room", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return s
}

// Every pair of statuses: allowed or refused exactly as the workflow says.
func TestAllowed(t *testing.T) {
	all := []string{store.StatusReleased, store.StatusOnHold, store.StatusRejected, store.StatusDestroyed}
	ok := map[[2]string]bool{
		{store.StatusReleased, store.StatusOnHold}:    true,
		{store.StatusOnHold, store.StatusReleased}:    true,
		{store.StatusOnHold, store.StatusRejected}:    true,
		{store.StatusOnHold, store.StatusDestroyed}:   true,
		{store.StatusRejected, store.StatusDestroyed}: true,
	}
	for _, from := range all {
		for _, to := range all {
			err := Allowed(from, to)
			if want := ok[[2]string{from, to}]; want != (err == nil) || (err != nil && !errors.Is(err, ErrTransition)) {
				t.Errorf("%s → %s: %v, want allowed %v", from, to, err, want)
			}
		}
	}
}

func TestDecide(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	at := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	steps := []struct {
		d    Decision
		want error
	}{
		{Decision{Lot: lot, To: store.StatusReleased, Reason: "x", Actor: "qa"}, ErrTransition}, // already released
		{Decision{Lot: lot, To: store.StatusOnHold, Reason: " ", Actor: "qa"}, ErrNoReason},
		{Decision{Lot: lot, To: store.StatusOnHold, Reason: "damaged pallet", Actor: "qa", From: store.StatusReleased}, nil},
		{Decision{Lot: lot, To: store.StatusReleased, Reason: "ok", Actor: "qa2", From: store.StatusReleased}, ErrStale},
		{Decision{Lot: lot, To: store.StatusRejected, Reason: "excursion confirmed", Actor: "qa"}, nil},
		{Decision{Lot: lot, To: store.StatusReleased, Reason: "changed my mind", Actor: "qa"}, ErrTransition},
		{Decision{Lot: lot, To: store.StatusDestroyed, Reason: "incinerated", Actor: "qa"}, nil},
		{Decision{Lot: lot, To: store.StatusOnHold, Reason: "x", Actor: "qa"}, ErrTransition},
		{Decision{Lot: "(01)09506000134352(10)NOPE", To: store.StatusOnHold, Reason: "x", Actor: "qa"}, store.ErrNotFound},
	}
	for i, st := range steps {
		st.d.At = at.Add(time.Duration(i) * time.Minute)
		if _, err := Decide(ctx, s, st.d); !errors.Is(err, st.want) || (st.want == nil) != (err == nil) {
			t.Fatalf("step %d %+v: %v, want %v", i, st.d, err, st.want)
		}
	}
	l, err := s.LotByKey(ctx, lot)
	if err != nil || l.Status != store.StatusDestroyed {
		t.Fatalf("lot %+v, %v", l, err)
	}
	log, err := s.AuditLog(ctx, "lot:"+lot, 10)
	if err != nil || len(log) != 3 || log[0].Reason != "damaged pallet" || log[2].After != store.StatusDestroyed {
		t.Fatalf("audit %+v, %v", log, err)
	}
	if n, err := s.VerifyAudit(ctx); n != 3 || err != nil {
		t.Fatalf("verify: %d %v", n, err)
	}
}
