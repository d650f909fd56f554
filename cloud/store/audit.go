package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Audit actions.
const (
	AuditLotStatus = "lot.status" // a lot's status changed: before and after are statuses
)

// AuditEntry is one entry of the append-only audit log.
type AuditEntry struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`   // a user name, or "system:<what>" for automatic decisions
	Action   string    `json:"action"`  // AuditLotStatus, ...
	Subject  string    `json:"subject"` // what changed: "lot:(01)…(10)…"
	Reason   string    `json:"reason"`
	Before   string    `json:"before"`
	After    string    `json:"after"`
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
}

// ErrAuditBroken: the audit log's hash chain does not verify (an entry was changed,
// removed or inserted outside lotsense).
var ErrAuditBroken = errors.New("audit log hash chain broken")

// auditGenesis is the previous hash of the first entry.
const auditGenesis = "0000000000000000000000000000000000000000000000000000000000000000"

// hash returns the entry's hash: SHA-256 over the previous hash and every field,
// each written as its length, a colon and its bytes, so no two entries hash alike by
// moving text from one field to the next.
func (e *AuditEntry) hash() string {
	h := sha256.New()
	for _, f := range []string{e.PrevHash, strconv.FormatInt(e.ID, 10), strconv.FormatInt(micros(e.At), 10),
		e.Actor, e.Action, e.Subject, e.Reason, e.Before, e.After} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// appendAudit adds e at the end of the chain within db's transaction, filling ID,
// PrevHash and Hash.
func appendAudit(ctx context.Context, db dbtx, e *AuditEntry) error {
	var lastID int64
	prev := auditGenesis
	err := db.QueryRowContext(ctx, `SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&lastID, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: audit log: %w", err)
	}
	e.ID, e.PrevHash = lastID+1, prev
	e.Hash = e.hash()
	if _, err := db.ExecContext(ctx, `INSERT INTO audit_log (id, at, actor, action, subject, reason, before, after, prev_hash, hash)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.ID, micros(e.At), e.Actor, e.Action, e.Subject, e.Reason, e.Before, e.After, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("store: audit log: %w", err)
	}
	return nil
}

// AuditLog returns the entries about subject ("" for all), oldest first, at most limit.
func (s *Store) AuditLog(ctx context.Context, subject string, limit int) ([]AuditEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, at, actor, action, subject, reason, before, after, prev_hash, hash
FROM audit_log WHERE ? = '' OR subject = ? ORDER BY id LIMIT ?`, subject, subject, limit)
	if err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Subject, &e.Reason, &e.Before, &e.After, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("store: audit log: %w", err)
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// VerifyAudit walks the whole audit log and checks every entry's hash and its link to
// the entry before. It returns how many entries verified; the error (wrapping
// ErrAuditBroken) names the first entry that does not.
func (s *Store) VerifyAudit(ctx context.Context) (int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, at, actor, action, subject, reason, before, after, prev_hash, hash FROM audit_log ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("store: audit log: %w", err)
	}
	defer rows.Close()
	prev, want := auditGenesis, int64(1)
	n := 0
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Subject, &e.Reason, &e.Before, &e.After, &e.PrevHash, &e.Hash); err != nil {
			return n, fmt.Errorf("store: audit log: %w", err)
		}
		e.At = fromMicros(at)
		switch {
		case e.ID != want:
			return n, fmt.Errorf("%w: entry %d follows entry %d (an entry is missing or was inserted)", ErrAuditBroken, e.ID, want-1)
		case e.PrevHash != prev:
			return n, fmt.Errorf("%w: entry %d does not link to entry %d's hash", ErrAuditBroken, e.ID, e.ID-1)
		case e.hash() != e.Hash:
			return n, fmt.Errorf("%w: entry %d (%s %s at %s by %s) was changed after it was written",
				ErrAuditBroken, e.ID, e.Action, e.Subject, e.At.Format(time.RFC3339), e.Actor)
		}
		prev, want = e.Hash, want+1
		n++
	}
	return n, rows.Err()
}
