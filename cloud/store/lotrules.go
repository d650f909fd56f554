package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
)

// LotRuleState is what is saved of a lot's rules engine (cloud/ingest): a snapshot of
// the engine and, after it, what was fed to the engine since, one log row per
// transaction, in order.
type LotRuleState struct {
	Profile  string
	Snapshot []byte
	Log      [][]byte
	NextSeq  int64 // the seq of the next log row
}

// LotRules returns the saved rules state of a lot; ok is false when there is none.
func (t *Tx) LotRules(ctx context.Context, lotID int64) (st LotRuleState, ok bool, err error) {
	err = t.tx.QueryRowContext(ctx, `SELECT profile, snapshot FROM lot_rules WHERE lot_id = ?`, lotID).Scan(&st.Profile, &st.Snapshot)
	if errors.Is(err, sql.ErrNoRows) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("store: rules state of lot %d: %w", lotID, err)
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT seq, entries FROM lot_rule_log WHERE lot_id = ? ORDER BY seq`, lotID)
	if err != nil {
		return st, false, fmt.Errorf("store: rules log of lot %d: %w", lotID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var b []byte
		if err := rows.Scan(&seq, &b); err != nil {
			return st, false, fmt.Errorf("store: rules log of lot %d: %w", lotID, err)
		}
		st.Log = append(st.Log, b)
		st.NextSeq = seq + 1
	}
	return st, true, rows.Err()
}

// SaveLotRulesSnapshot replaces the saved rules state of a lot with a snapshot (and
// an empty log).
func (t *Tx) SaveLotRulesSnapshot(ctx context.Context, lotID int64, profile string, snapshot []byte, at time.Time) error {
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO lot_rules (lot_id, profile, snapshot, updated) VALUES (?, ?, ?, ?)
ON CONFLICT (lot_id) DO UPDATE SET profile = excluded.profile, snapshot = excluded.snapshot, updated = excluded.updated`,
		lotID, profile, snapshot, micros(at)); err != nil {
		return fmt.Errorf("store: save rules snapshot of lot %d: %w", lotID, err)
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM lot_rule_log WHERE lot_id = ?`, lotID); err != nil {
		return fmt.Errorf("store: clear rules log of lot %d: %w", lotID, err)
	}
	return nil
}

// AppendLotRulesLog adds one row to a lot's rules log.
func (t *Tx) AppendLotRulesLog(ctx context.Context, lotID, seq int64, entries []byte) error {
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO lot_rule_log (lot_id, seq, entries) VALUES (?, ?, ?)`, lotID, seq, entries); err != nil {
		return fmt.Errorf("store: append rules log of lot %d: %w", lotID, err)
	}
	return nil
}

// LotReading is a stored reading of a lot as the rules see it.
type LotReading struct {
	Site     string
	Source   int64
	Seq      uint64
	Time     time.Time
	Gateway  string
	Sensor   string
	Location string
	Quantity wire.Quantity
	Value    float64
	Quality  wire.Quality
}

// LotReadingsBetween returns the stored readings of a lot of the given quantities with
// from <= time <= to, in time order (then gateway, sensor, seq), within the
// transaction (so readings it stored count).
func (t *Tx) LotReadingsBetween(ctx context.Context, lotID int64, quantities []wire.Quantity, from, to time.Time) ([]LotReading, error) {
	if len(quantities) == 0 {
		return nil, nil
	}
	args := []any{lotID, micros(from), micros(to)}
	marks := make([]string, len(quantities))
	for i, q := range quantities {
		marks[i] = "?"
		args = append(args, int(q))
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT s.site, r.source_id, r.seq, r.time, s.gateway, r.sensor, r.location, r.quantity, r.value, r.quality
FROM lotset_members m
JOIN readings r ON r.lotset_id = m.lotset_id
JOIN sources s ON s.id = r.source_id
WHERE m.lot_id = ? AND r.time BETWEEN ? AND ? AND r.quantity IN (`+strings.Join(marks, ", ")+`)
ORDER BY r.time, s.gateway, r.sensor, r.source_id, r.seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: readings of lot %d: %w", lotID, err)
	}
	defer rows.Close()
	var out []LotReading
	for rows.Next() {
		var r LotReading
		var at int64
		var q, quality int
		if err := rows.Scan(&r.Site, &r.Source, &r.Seq, &at, &r.Gateway, &r.Sensor, &r.Location, &q, &r.Value, &quality); err != nil {
			return nil, fmt.Errorf("store: scan reading of lot %d: %w", lotID, err)
		}
		r.Time, r.Quantity, r.Quality = fromMicros(at), wire.Quantity(q), wire.Quality(quality)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Beyond selects the readings LotReadingSources looks at: above or below a limit, or all.
type Beyond int

// Selections of LotReadingSources.
const (
	AnyValue Beyond = iota
	Above
	Below
)

// ReadingSource is a place and a sensor ("<gateway>/<sensor>") that read a lot.
type ReadingSource struct {
	Site, Location, Sensor string
	First                  time.Time // its first reading in the range
}

// LotReadingSources returns where and by which sensors a lot's readings of quantity q
// with from <= time <= to were taken — the good ones above or below limit, or all — in
// order of the first such reading.
func (t *Tx) LotReadingSources(ctx context.Context, lotID int64, q wire.Quantity, from, to time.Time, sel Beyond, limit float64) ([]ReadingSource, error) {
	cond := ""
	args := []any{lotID, micros(from), micros(to), int(q)}
	switch sel {
	case Above:
		cond = " AND r.quality = ? AND r.value > ?"
		args = append(args, int(wire.Good), limit)
	case Below:
		cond = " AND r.quality = ? AND r.value < ?"
		args = append(args, int(wire.Good), limit)
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT s.site, r.location, s.gateway || '/' || r.sensor, min(r.time) AS first
FROM lotset_members m
JOIN readings r ON r.lotset_id = m.lotset_id
JOIN sources s ON s.id = r.source_id
WHERE m.lot_id = ? AND r.time BETWEEN ? AND ? AND r.quantity = ?`+cond+`
GROUP BY s.site, r.location, s.gateway, r.sensor ORDER BY first, s.site, r.location, s.gateway, r.sensor`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: reading sources of lot %d: %w", lotID, err)
	}
	defer rows.Close()
	var out []ReadingSource
	for rows.Next() {
		var s ReadingSource
		var first int64
		if err := rows.Scan(&s.Site, &s.Location, &s.Sensor, &first); err != nil {
			return nil, fmt.Errorf("store: scan reading source of lot %d: %w", lotID, err)
		}
		s.First = fromMicros(first)
		out = append(out, s)
	}
	return out, rows.Err()
}

// LotReadingAt returns where and by which sensor the lot's worst reading of quantity q
// with from <= time <= at was taken: the highest (high true) or lowest good one, the
// latest of equal ones; without a good one, the latest; ok is false when there is none.
func (t *Tx) LotReadingAt(ctx context.Context, lotID int64, q wire.Quantity, from, at time.Time, high bool) (src ReadingSource, ok bool, err error) {
	order := "r.value DESC"
	if !high {
		order = "r.value"
	}
	var first int64
	err = t.tx.QueryRowContext(ctx, `SELECT s.site, r.location, s.gateway || '/' || r.sensor, r.time
FROM lotset_members m
JOIN readings r ON r.lotset_id = m.lotset_id
JOIN sources s ON s.id = r.source_id
WHERE m.lot_id = ? AND r.time BETWEEN ? AND ? AND r.quantity = ?
ORDER BY r.quality <> 0, `+order+`, r.time DESC, s.gateway, r.sensor LIMIT 1`, lotID, micros(from), micros(at), int(q)).Scan(&src.Site, &src.Location, &src.Sensor, &first)
	if errors.Is(err, sql.ErrNoRows) {
		return src, false, nil
	}
	if err != nil {
		return src, false, fmt.Errorf("store: reading of lot %d at %s: %w", lotID, at.Format(time.RFC3339), err)
	}
	src.First = fromMicros(first)
	return src, true, nil
}

// LotPlace returns the site and location where a lot was last seen.
func (t *Tx) LotPlace(ctx context.Context, lotID int64) (site, location string, err error) {
	err = t.tx.QueryRowContext(ctx, `SELECT site, location FROM lots WHERE id = ?`, lotID).Scan(&site, &location)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", fmt.Errorf("store: lot %d: %w", lotID, ErrNotFound)
	}
	if err != nil {
		return "", "", fmt.Errorf("store: lot %d: %w", lotID, err)
	}
	return site, location, nil
}
