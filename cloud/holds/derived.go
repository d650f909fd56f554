package holds

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
)

// Derived is a lot that must follow another lot's hold: made from it (a
// transformation) or packed with it on a held pallet.
type Derived struct {
	Key  string // lot key "(01)<gtin14>(10)<lot>"
	GTIN string
	Lot  string
	// Site is where the lot is, used when the store has not seen the lot yet (its
	// hold must still reach that site's gateways).
	Site string
}

// HoldDerived puts each released lot of lots on hold with reason, in one transaction,
// and returns the keys it changed. Lots already on hold, rejected or destroyed keep
// their status: propagation only ever adds holds; releasing them stays a QA decision
// per lot. A lot the store does not know yet is created at its site.
func HoldDerived(ctx context.Context, st *store.Store, lots []Derived, reason, actor string, at time.Time) ([]string, error) {
	if reason == "" || actor == "" {
		return nil, fmt.Errorf("holds: derived holds need a reason and an actor")
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("holds: %w", err)
	}
	defer tx.Rollback()
	var changed []string
	for _, l := range lots {
		id, _, err := tx.LotStatus(ctx, l.Key)
		if errors.Is(err, store.ErrNotFound) {
			id, err = tx.Lot(ctx, l.Key, l.GTIN, l.Lot, l.Site, "", at)
		}
		if err != nil {
			return nil, fmt.Errorf("holds: derived lot %s: %w", l.Key, err)
		}
		ok, err := tx.SetLotStatus(ctx, id, store.StatusReleased, store.StatusOnHold, reason, actor, at)
		if err != nil {
			return nil, fmt.Errorf("holds: derived lot %s: %w", l.Key, err)
		}
		if ok {
			changed = append(changed, l.Key)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("holds: %w", err)
	}
	return changed, nil
}
