package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
)

// What followers of the readings (cloud/influx writes them to InfluxDB) read: gateway
// outboxes, their readings by sequence number, the lots of lot sets, and the
// follower's cursors. Readings carry no order of storage, so a follower reads each
// outbox by sequence number and keeps, per outbox, the number up to which it handled
// every reading (see cloud/influx for the gaps in between).

// Outbox is a gateway outbox, (site, gateway, epoch), with the number the store gave it.
type Outbox struct {
	ID      int64
	Site    string
	Gateway string
	Epoch   string
}

// SourceReading is a stored reading as a follower reads it: its outbox sequence
// number and the id of its lot set (0: no lot).
type SourceReading struct {
	Seq      uint64
	Time     time.Time
	Synced   bool
	Sensor   string
	Location string
	Quantity wire.Quantity
	// Value is NaN when the store holds none (a bad reading without a value).
	Value   float64
	Quality wire.Quality
	LotSet  int64
}

// SeqRange is a range of sequence numbers, both ends included.
type SeqRange struct{ First, Last uint64 }

// SourcesAfter returns the gateway outboxes numbered above after, in order.
func (s *Store) SourcesAfter(ctx context.Context, after int64) ([]Outbox, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, site, gateway, epoch FROM sources WHERE id > ? ORDER BY id`, after)
	if err != nil {
		return nil, fmt.Errorf("store: sources: %w", err)
	}
	defer rows.Close()
	var out []Outbox
	for rows.Next() {
		var src Outbox
		if err := rows.Scan(&src.ID, &src.Site, &src.Gateway, &src.Epoch); err != nil {
			return nil, fmt.Errorf("store: scan source: %w", err)
		}
		out = append(out, src)
	}
	return out, rows.Err()
}

// SourceReadings appends to dst up to limit readings of a gateway outbox with
// sequence numbers from first to last, in order.
func (s *Store) SourceReadings(ctx context.Context, source int64, first, last uint64, limit int, dst []SourceReading) ([]SourceReading, error) {
	if last > math.MaxInt64 {
		last = math.MaxInt64
	}
	rows, err := s.r.QueryContext(ctx, `SELECT seq, time, synced, sensor, location, quantity, value, quality, coalesce(lotset_id, 0)
FROM readings WHERE source_id = ? AND seq >= ? AND seq <= ? ORDER BY seq LIMIT ?`, source, int64(first), int64(last), limit)
	if err != nil {
		return dst, fmt.Errorf("store: readings of source %d: %w", source, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r          SourceReading
			seq, t     int64
			q, quality int
			v          sql.NullFloat64
		)
		if err := rows.Scan(&seq, &t, &r.Synced, &r.Sensor, &r.Location, &q, &v, &quality, &r.LotSet); err != nil {
			return dst, fmt.Errorf("store: scan reading of source %d: %w", source, err)
		}
		r.Seq, r.Time, r.Quantity, r.Quality, r.Value = uint64(seq), fromMicros(t), wire.Quantity(q), wire.Quality(quality), math.NaN()
		if v.Valid {
			r.Value = v.Float64
		}
		dst = append(dst, r)
	}
	return dst, rows.Err()
}

// LotSetKeys returns the keys of the lots of each lot set of ids, sorted. Lot sets
// never change once created.
func (s *Store) LotSetKeys(ctx context.Context, ids []int64) (map[int64][]string, error) {
	out := make(map[int64][]string, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		q := `SELECT m.lotset_id, l.key FROM lotset_members m JOIN lots l ON l.id = m.lot_id
WHERE m.lotset_id IN (?` + strings.Repeat(", ?", n-1) + `) ORDER BY m.lotset_id, l.key`
		if err := s.lotSetKeys(ctx, q, args, out); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}

func (s *Store) lotSetKeys(ctx context.Context, q string, args []any, out map[int64][]string) error {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: lot set keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id  int64
			key string
		)
		if err := rows.Scan(&id, &key); err != nil {
			return fmt.Errorf("store: scan lot set key: %w", err)
		}
		out[id] = append(out[id], key)
	}
	return rows.Err()
}

// DeclaredGaps returns the ranges of sequence numbers a gateway outbox declared it
// removed (thinned) that overlap first..last, ascending.
func (s *Store) DeclaredGaps(ctx context.Context, source int64, first, last uint64) ([]SeqRange, error) {
	if last > math.MaxInt64 {
		last = math.MaxInt64
	}
	rows, err := s.r.QueryContext(ctx, `SELECT first, last FROM declared_gaps WHERE source_id = ? AND first <= ? AND last >= ? ORDER BY first`,
		source, int64(last), int64(first))
	if err != nil {
		return nil, fmt.Errorf("store: declared gaps of source %d: %w", source, err)
	}
	defer rows.Close()
	var out []SeqRange
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			return nil, fmt.Errorf("store: scan declared gap: %w", err)
		}
		out = append(out, SeqRange{uint64(a), uint64(b)})
	}
	return out, rows.Err()
}

// ReadingCursors returns the cursors of the follower called name: per gateway outbox,
// the sequence number up to which it handled every reading.
func (s *Store) ReadingCursors(ctx context.Context, name string) (map[int64]uint64, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT source_id, seq FROM reading_cursors WHERE name = ?`, name)
	if err != nil {
		return nil, fmt.Errorf("store: reading cursors %q: %w", name, err)
	}
	defer rows.Close()
	out := map[int64]uint64{}
	for rows.Next() {
		var src, seq int64
		if err := rows.Scan(&src, &seq); err != nil {
			return nil, fmt.Errorf("store: scan reading cursor: %w", err)
		}
		out[src] = uint64(seq)
	}
	return out, rows.Err()
}

// SetReadingCursors stores cursors of the follower called name, all in one
// transaction. A cursor never moves back: of two followers sharing a name, the one
// further ahead wins.
func (s *Store) SetReadingCursors(ctx context.Context, name string, cursors map[int64]uint64) error {
	if len(cursors) == 0 {
		return nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: reading cursors %q: %w", name, err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO reading_cursors (name, source_id, seq) VALUES (?, ?, ?)
ON CONFLICT (name, source_id) DO UPDATE SET seq = CASE WHEN excluded.seq > reading_cursors.seq THEN excluded.seq ELSE reading_cursors.seq END`)
	if err != nil {
		return fmt.Errorf("store: reading cursors %q: %w", name, err)
	}
	defer st.Close()
	for src, seq := range cursors {
		if _, err := st.ExecContext(ctx, name, src, int64(seq)); err != nil {
			return fmt.Errorf("store: reading cursor %q of source %d: %w", name, src, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: reading cursors %q: commit: %w", name, err)
	}
	return nil
}
