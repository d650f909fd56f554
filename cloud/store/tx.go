package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
)

// Tx is one write transaction: ingest stores a whole batch, its rule state and what
// the batch caused (excursions, holds, alerts) atomically, so a crash between two of
// them cannot leave a reading stored but not judged.
type Tx struct {
	s          *Store
	tx         *sql.Tx
	insReading *sql.Stmt
	events     []AlertEvent // alert changes written, announced after the commit
}

// Begin starts a write transaction.
func (s *Store) Begin(ctx context.Context) (*Tx, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: begin: %w", err)
	}
	return &Tx{s: s, tx: tx}, nil
}

// Commit commits the transaction; when it changed alerts, it then calls the function
// set with OnAlertEvents.
func (t *Tx) Commit() error {
	if err := t.tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	if len(t.events) > 0 {
		t.s.alertsChanged()
	}
	return nil
}

// Rollback abandons the transaction; after Commit it does nothing.
func (t *Tx) Rollback() error {
	err := t.tx.Rollback()
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

// Source returns the id of a gateway's outbox (site, gateway, epoch), creating it.
func (t *Tx) Source(ctx context.Context, site, gateway, epoch string, now time.Time) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `SELECT id FROM sources WHERE site = ? AND gateway = ? AND epoch = ?`, site, gateway, epoch).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = t.tx.QueryRowContext(ctx, `INSERT INTO sources (site, gateway, epoch, first_seen) VALUES (?, ?, ?, ?) RETURNING id`,
			site, gateway, epoch, micros(now)).Scan(&id)
	}
	if err != nil {
		return 0, fmt.Errorf("store: source %s/%s epoch %s: %w", site, gateway, epoch, err)
	}
	return id, nil
}

// Lot returns the id of the lot with key, creating it released; it records where and
// when the lot was seen. A held lot that changes site changes the hold lists of both.
func (t *Tx) Lot(ctx context.Context, key, gtin, lot, site, location string, seen time.Time) (int64, error) {
	us := micros(seen)
	var prevSite, status string
	err := t.tx.QueryRowContext(ctx, `SELECT site, status FROM lots WHERE key = ?`, key).Scan(&prevSite, &status)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: lot %s: %w", key, err)
	}
	var id int64
	var newSite string
	err = t.tx.QueryRowContext(ctx, `
INSERT INTO lots (key, gtin, lot, status_changed, site, location, first_seen, last_seen)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET
	site = CASE WHEN excluded.last_seen >= lots.last_seen THEN excluded.site ELSE lots.site END,
	location = CASE WHEN excluded.last_seen >= lots.last_seen THEN excluded.location ELSE lots.location END,
	last_seen = max(lots.last_seen, excluded.last_seen),
	first_seen = min(lots.first_seen, excluded.first_seen)
RETURNING id, site`, key, gtin, lot, us, site, location, us, us).Scan(&id, &newSite)
	if err != nil {
		return 0, fmt.Errorf("store: lot %s: %w", key, err)
	}
	if status != "" && status != StatusReleased && newSite != prevSite {
		if err := bumpHoldVersion(ctx, t.tx, prevSite, newSite); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// LotSet returns the id of the set of lots named by key (the caller's canonical form of
// the sorted ids), creating it with its members.
func (t *Tx) LotSet(ctx context.Context, key string, lotIDs []int64) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `SELECT id FROM lotsets WHERE key = ?`, key).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: lot set: %w", err)
	}
	if err := t.tx.QueryRowContext(ctx, `INSERT INTO lotsets (key) VALUES (?) RETURNING id`, key).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: create lot set: %w", err)
	}
	for _, l := range lotIDs {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO lotset_members (lotset_id, lot_id) VALUES (?, ?)`, id, l); err != nil {
			return 0, fmt.Errorf("store: lot set member: %w", err)
		}
	}
	return id, nil
}

// InsertReading stores one reading unless (source, seq) is stored already; inserted
// tells which.
func (t *Tx) InsertReading(ctx context.Context, source int64, seq uint64, r *wire.Reading, lotSet int64) (inserted bool, err error) {
	if t.insReading == nil {
		t.insReading, err = t.tx.PrepareContext(ctx, `INSERT INTO readings
(source_id, seq, time, synced, sensor, location, quantity, value, quality, lotset_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return false, fmt.Errorf("store: prepare reading insert: %w", err)
		}
	}
	ls := sql.NullInt64{Int64: lotSet, Valid: lotSet != 0}
	res, err := t.insReading.ExecContext(ctx, source, int64(seq), micros(r.Time), r.Synced, r.Sensor, r.Location,
		int(r.Quantity), r.Value, int(r.Quality), ls)
	if err != nil {
		return false, fmt.Errorf("store: insert reading seq %d: %w", seq, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// InsertEvent stores one event unless (source, seq) is stored already.
func (t *Tx) InsertEvent(ctx context.Context, source int64, seq uint64, e *wire.Event) (bool, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return false, fmt.Errorf("store: encode event: %w", err)
	}
	ok, err := t.insertOnce(ctx, `INSERT INTO events (source_id, seq, time, type, location, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		source, int64(seq), micros(e.Time), e.Type, e.Location, string(body))
	if ok {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO event_feed (source_id, seq) VALUES (?, ?)`, source, int64(seq)); err != nil {
			return false, fmt.Errorf("store: event feed: %w", err)
		}
	}
	return ok, err
}

// InsertAlarm stores one gateway alarm unless (source, seq) is stored already.
func (t *Tx) InsertAlarm(ctx context.Context, source int64, seq uint64, a *wire.Alarm) (bool, error) {
	body, err := json.Marshal(a)
	if err != nil {
		return false, fmt.Errorf("store: encode alarm: %w", err)
	}
	return t.insertOnce(ctx, `INSERT INTO alarms (source_id, seq, time, kind, state, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		source, int64(seq), micros(a.Time), a.Kind, a.State, string(body))
}

func (t *Tx) insertOnce(ctx context.Context, q string, args ...any) (bool, error) {
	res, err := t.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return false, fmt.Errorf("store: insert: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DeclareGap records that the gateway outbox source removed readings first..last on
// purpose (reason "thinned"), so the gap report does not call them possible loss.
func (t *Tx) DeclareGap(ctx context.Context, source int64, first, last uint64, reason string) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO declared_gaps (source_id, first, last, reason) VALUES (?, ?, ?, ?)
ON CONFLICT (source_id, first) DO UPDATE SET last = max(last, excluded.last)`, source, int64(first), int64(last), reason)
	if err != nil {
		return fmt.Errorf("store: declare gap %d-%d: %w", first, last, err)
	}
	return nil
}
