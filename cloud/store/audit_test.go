package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Every lot status change is in the audit log, chained; a changed, removed or inserted
// entry is found by VerifyAudit with the entry it concerns.
func TestAuditChain(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	a := lotAt(t, s, heldA, "site-1", t0)
	setStatus(t, s, a, StatusOnHold, t0.Add(time.Minute))
	setStatus(t, s, a, StatusReleased, t0.Add(2*time.Minute))
	write(t, s, func(ctx context.Context, tx *Tx) error { // no change: no entry
		_, err := tx.SetLotStatus(ctx, a, "", StatusReleased, "again", "qa", t0.Add(3*time.Minute))
		return err
	})
	setStatus(t, s, a, StatusOnHold, t0.Add(4*time.Minute))

	log, err := s.AuditLog(ctx, "lot:"+heldA, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 3 || log[0].Before != StatusReleased || log[0].After != StatusOnHold || log[1].After != StatusReleased ||
		log[0].Actor != "qa" || log[0].Action != AuditLotStatus || log[1].PrevHash != log[0].Hash || log[0].PrevHash != auditGenesis {
		t.Fatalf("audit log %+v", log)
	}
	if n, err := s.VerifyAudit(ctx); err != nil || n != 3 {
		t.Fatalf("VerifyAudit = %d, %v", n, err)
	}

	tamper := func(sql string) error {
		if _, err := s.w.ExecContext(ctx, sql); err != nil {
			t.Fatal(err)
		}
		_, err := s.VerifyAudit(ctx)
		return err
	}
	// A changed reason in entry 2.
	if err := tamper(`UPDATE audit_log SET reason = 'nothing to see' WHERE id = 2`); !errors.Is(err, ErrAuditBroken) || !strings.Contains(err.Error(), "entry 2") {
		t.Fatalf("changed entry: %v", err)
	}
	tamper(`UPDATE audit_log SET reason = 'test' WHERE id = 2`)
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Fatalf("restored entry: %v", err)
	}
	// A rewritten entry with a recomputed hash still breaks the link to the next one.
	e := log[1]
	e.Reason = "forged"
	e.Hash = e.hash()
	if _, err := s.w.ExecContext(ctx, `UPDATE audit_log SET reason = ?, hash = ? WHERE id = 2`, e.Reason, e.Hash); err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifyAudit(ctx); !errors.Is(err, ErrAuditBroken) || !strings.Contains(err.Error(), "entry 3 does not link") {
		t.Fatalf("forged entry: %v", err)
	}
	// A removed entry.
	if err := tamper(`DELETE FROM audit_log WHERE id = 2`); !errors.Is(err, ErrAuditBroken) || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("removed entry: %v", err)
	}
}
