package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
)

const lotColumns = `l.id, l.key, l.gtin, l.lot, l.status, l.status_reason, l.status_changed, l.site, l.location, l.first_seen, l.last_seen,
	(SELECT count(*) FROM excursions e WHERE e.lot_id = l.id AND e.ended IS NULL)`

func scanLot(sc interface{ Scan(...any) error }) (Lot, error) {
	var l Lot
	var changed, first, last int64
	err := sc.Scan(&l.ID, &l.Key, &l.GTIN, &l.Lot, &l.Status, &l.StatusReason, &changed, &l.Site, &l.Location, &first, &last, &l.OpenExcursions)
	l.StatusChanged, l.FirstSeen, l.LastSeen = fromMicros(changed), fromMicros(first), fromMicros(last)
	return l, err
}

// Lots lists lots, most recently seen first; status filters when not empty.
func (s *Store) Lots(ctx context.Context, status string, limit int) ([]Lot, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+lotColumns+` FROM lots l
WHERE ? = '' OR l.status = ? ORDER BY l.last_seen DESC, l.id LIMIT ?`, status, status, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list lots: %w", err)
	}
	defer rows.Close()
	lots := []Lot{}
	for rows.Next() {
		l, err := scanLot(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan lot: %w", err)
		}
		lots = append(lots, l)
	}
	return lots, rows.Err()
}

// LotByKey returns the lot with the canonical key, or ErrNotFound.
func (s *Store) LotByKey(ctx context.Context, key string) (Lot, error) {
	l, err := scanLot(s.r.QueryRowContext(ctx, `SELECT `+lotColumns+` FROM lots l WHERE l.key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return Lot{}, fmt.Errorf("store: lot %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return Lot{}, fmt.Errorf("store: lot %q: %w", key, err)
	}
	return l, nil
}

// LotReadings returns the newest readings attached to a lot, newest first.
func (s *Store) LotReadings(ctx context.Context, lotID int64, limit int) ([]Reading, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT s.gateway, r.seq, r.time, r.synced, r.sensor, r.location, r.quantity, r.value, r.quality
FROM lotset_members m
JOIN readings r ON r.lotset_id = m.lotset_id
JOIN sources s ON s.id = r.source_id
WHERE m.lot_id = ? ORDER BY r.time DESC LIMIT ?`, lotID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: readings of lot %d: %w", lotID, err)
	}
	defer rows.Close()
	out := []Reading{}
	for rows.Next() {
		var r Reading
		var t int64
		var q, quality int
		if err := rows.Scan(&r.Gateway, &r.Seq, &t, &r.Synced, &r.Sensor, &r.Location, &q, &r.Value, &quality); err != nil {
			return nil, fmt.Errorf("store: scan reading: %w", err)
		}
		r.Time = fromMicros(t)
		r.Quantity, r.Unit, r.Quality = wire.Quantity(q).String(), wire.Quantity(q).Unit(), wire.Quality(quality).String()
		out = append(out, r)
	}
	return out, rows.Err()
}

// LotHistory returns a lot's status changes, oldest first.
func (s *Store) LotHistory(ctx context.Context, lotID int64) ([]StatusChange, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT at, from_status, to_status, reason, actor FROM lot_status_history WHERE lot_id = ? ORDER BY at, id`, lotID)
	if err != nil {
		return nil, fmt.Errorf("store: history of lot %d: %w", lotID, err)
	}
	defer rows.Close()
	out := []StatusChange{}
	for rows.Next() {
		var c StatusChange
		var at int64
		if err := rows.Scan(&at, &c.From, &c.To, &c.Reason, &c.Actor); err != nil {
			return nil, fmt.Errorf("store: scan status change: %w", err)
		}
		c.At = fromMicros(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// execer is what *sql.DB and *sql.Tx share, so a write can run alone or in a Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// dbtx adds queries to execer.
type dbtx interface {
	execer
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// AddDeadLetter keeps a refused payload with the reason it was refused.
func (s *Store) AddDeadLetter(ctx context.Context, topic, reason string, payload []byte, at time.Time) error {
	return addDeadLetter(ctx, s.w, topic, reason, payload, at)
}

// AddDeadLetter keeps a refused payload within the transaction.
func (t *Tx) AddDeadLetter(ctx context.Context, topic, reason string, payload []byte, at time.Time) error {
	return addDeadLetter(ctx, t.tx, topic, reason, payload, at)
}

func addDeadLetter(ctx context.Context, db execer, topic, reason string, payload []byte, at time.Time) error {
	if payload == nil {
		payload = []byte{}
	}
	_, err := db.ExecContext(ctx, `INSERT INTO dead_letters (received, topic, reason, payload) VALUES (?, ?, ?, ?)`,
		micros(at), topic, reason, payload)
	if err != nil {
		return fmt.Errorf("store: add dead letter for %s: %w", topic, err)
	}
	return nil
}

// DeadLetters lists refused payloads, newest first.
func (s *Store) DeadLetters(ctx context.Context, limit int) ([]DeadLetter, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, received, topic, reason, payload FROM dead_letters ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list dead letters: %w", err)
	}
	defer rows.Close()
	out := []DeadLetter{}
	for rows.Next() {
		var d DeadLetter
		var at int64
		if err := rows.Scan(&d.ID, &at, &d.Topic, &d.Reason, &d.Payload); err != nil {
			return nil, fmt.Errorf("store: scan dead letter: %w", err)
		}
		d.Received = fromMicros(at)
		out = append(out, d)
	}
	return out, rows.Err()
}
