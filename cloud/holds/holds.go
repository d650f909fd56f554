// Package holds is the lot disposition workflow: which status changes a QA decision may
// make, made atomically with the lot's history and the audit log (store.SetLotStatus
// writes both). Who may decide, and the re-entered password that signs a decision, are
// checked by the API before Decide is called.
package holds

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
)

// Errors of Decide (wrapped; test with errors.Is).
var (
	// ErrTransition: the lot's current status does not allow the change asked for.
	ErrTransition = errors.New("status change not allowed")
	// ErrNoReason: every decision needs a reason for the audit log.
	ErrNoReason = errors.New("a reason is required")
	// ErrStale: the lot's status is not the one the decision was made on (someone else
	// decided meanwhile).
	ErrStale = errors.New("the lot's status changed meanwhile")
)

// transitions lists, per status, the statuses a decision may move a lot to:
//
//	released  → on_hold                        (a manual hold)
//	on_hold   → released, rejected, destroyed  (QA's disposition)
//	rejected  → destroyed                      (a rejected lot is finally disposed of)
//	destroyed → (nothing: final)
var transitions = map[string][]string{
	store.StatusReleased: {store.StatusOnHold},
	store.StatusOnHold:   {store.StatusReleased, store.StatusRejected, store.StatusDestroyed},
	store.StatusRejected: {store.StatusDestroyed},
}

// Allowed reports whether a decision may move a lot from one status to another.
func Allowed(from, to string) error {
	if slices.Contains(transitions[from], to) {
		return nil
	}
	next := transitions[from]
	if len(next) == 0 {
		return fmt.Errorf("%w: a %s lot stays %s", ErrTransition, from, from)
	}
	return fmt.Errorf("%w: a %s lot can go to %s, not %s", ErrTransition, from, strings.Join(next, " or "), to)
}

// Decision is one status change asked for by a person.
type Decision struct {
	Lot    string // lot key "(01)<gtin14>(10)<lot>"
	To     string // the new status
	From   string // the status the person saw; "" skips the check
	Reason string
	Actor  string // who decided (the signed-in user)
	At     time.Time
}

// Decide applies d in one transaction: the lot's status, its history and the audit log
// change together or not at all. It returns the status the lot had.
func Decide(ctx context.Context, st *store.Store, d Decision) (from string, err error) {
	if strings.TrimSpace(d.Reason) == "" {
		return "", fmt.Errorf("holds: %s: %w", d.Lot, ErrNoReason)
	}
	if d.Actor == "" {
		return "", fmt.Errorf("holds: %s: no actor: decisions are signed by a user", d.Lot)
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		return "", fmt.Errorf("holds: %w", err)
	}
	defer tx.Rollback()
	id, cur, err := tx.LotStatus(ctx, d.Lot)
	if err != nil {
		return "", fmt.Errorf("holds: %w", err)
	}
	if d.From != "" && d.From != cur {
		return cur, fmt.Errorf("holds: %s is %s, not %s: %w", d.Lot, cur, d.From, ErrStale)
	}
	if err := Allowed(cur, d.To); err != nil {
		return cur, fmt.Errorf("holds: %s: %w", d.Lot, err)
	}
	if _, err := tx.SetLotStatus(ctx, id, cur, d.To, d.Reason, d.Actor, d.At); err != nil {
		return cur, fmt.Errorf("holds: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return cur, fmt.Errorf("holds: %w", err)
	}
	return cur, nil
}
