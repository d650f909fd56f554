package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CreateExcursion records the start of an excursion and returns its id.
func (t *Tx) CreateExcursion(ctx context.Context, e *Excursion) (int64, error) {
	err := t.tx.QueryRowContext(ctx, `INSERT INTO excursions
(lot_id, rule, site, location, sensor, began, detected, peak, limit_value, delay_seconds)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.LotID, e.Rule, e.Site, e.Location, e.Sensor, micros(e.Began), micros(e.Detected), e.Peak, e.Limit, e.DelaySeconds).Scan(&e.ID)
	if err != nil {
		return 0, fmt.Errorf("store: create excursion for lot %d: %w", e.LotID, err)
	}
	return e.ID, nil
}

// SetLotStatus moves a lot to status with a reason, recording the change in the lot's
// history, the audit log and the lot_on_hold alert (raised on hold, resolved when the
// lot leaves hold) and raising its site's hold-list version; changed is false when the lot already had that status. from, when not empty,
// restricts the change to lots currently in that status (e.g. only released lots are
// put on hold automatically; a rejected lot stays rejected).
func (t *Tx) SetLotStatus(ctx context.Context, lotID int64, from, to, reason, actor string, at time.Time) (changed bool, err error) {
	var cur, site, key, location string
	if err := t.tx.QueryRowContext(ctx, `SELECT status, site, key, location FROM lots WHERE id = ?`, lotID).Scan(&cur, &site, &key, &location); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return false, fmt.Errorf("store: lot %d: %w", lotID, ErrNotFound)
		}
		return false, fmt.Errorf("store: lot %d status: %w", lotID, err)
	}
	if cur == to || (from != "" && cur != from) {
		return false, nil
	}
	if _, err := t.tx.ExecContext(ctx, `UPDATE lots SET status = ?, status_reason = ?, status_changed = ? WHERE id = ?`,
		to, reason, micros(at), lotID); err != nil {
		return false, fmt.Errorf("store: set lot %d status: %w", lotID, err)
	}
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO lot_status_history (lot_id, at, from_status, to_status, reason, actor) VALUES (?, ?, ?, ?, ?, ?)`,
		lotID, micros(at), cur, to, reason, actor); err != nil {
		return false, fmt.Errorf("store: lot %d status history: %w", lotID, err)
	}
	if err := bumpHoldVersion(ctx, t.tx, site); err != nil {
		return false, err
	}
	if err := appendAudit(ctx, t.tx, &AuditEntry{At: at, Actor: actor, Action: AuditLotStatus, Subject: "lot:" + key,
		Reason: reason, Before: cur, After: to}); err != nil {
		return false, err
	}
	if err := t.holdAlert(ctx, lotID, key, site, location, cur, to, reason, actor, at); err != nil {
		return false, err
	}
	return true, nil
}

// LotStatus returns a lot's id and status within the transaction.
func (t *Tx) LotStatus(ctx context.Context, key string) (id int64, status string, err error) {
	err = t.tx.QueryRowContext(ctx, `SELECT id, status FROM lots WHERE key = ?`, key).Scan(&id, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", fmt.Errorf("store: lot %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return 0, "", fmt.Errorf("store: lot %q: %w", key, err)
	}
	return id, status, nil
}
