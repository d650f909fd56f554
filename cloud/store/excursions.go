package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

const excursionColumns = `e.id, e.lot_id, l.key, e.xid, e.profile, e.rule, e.kind, e.severity, e.site, e.location, e.sensor,
	e.locations, e.sensors, e.began, e.detected, e.ended, e.closed, e.peak, e.limit_value, e.delay_seconds,
	e.beyond_seconds, e.unknown_seconds, e.mkt, e.retracted, e.retract_note`

func scanExcursion(sc interface{ Scan(...any) error }) (Excursion, error) {
	var e Excursion
	var locs, sensors string
	var began, detected int64
	var ended, closed, retracted sql.NullInt64
	var mkt sql.NullFloat64
	err := sc.Scan(&e.ID, &e.LotID, &e.Lot, &e.Ref, &e.Profile, &e.Rule, &e.Kind, &e.Severity, &e.Site, &e.Location, &e.Sensor,
		&locs, &sensors, &began, &detected, &ended, &closed, &e.Peak, &e.Limit, &e.DelaySeconds,
		&e.BeyondSeconds, &e.UnknownSeconds, &mkt, &retracted, &e.RetractNote)
	if err != nil {
		return e, err
	}
	e.Began, e.Detected = fromMicros(began), fromMicros(detected)
	e.Ended, e.Closed, e.Retracted = nullMicros(ended), nullMicros(closed), nullMicros(retracted)
	if mkt.Valid {
		e.MKT = &mkt.Float64
	}
	if err := json.Unmarshal([]byte(locs), &e.Locations); err != nil {
		return e, fmt.Errorf("locations of excursion %d: %w", e.ID, err)
	}
	if err := json.Unmarshal([]byte(sensors), &e.Sensors); err != nil {
		return e, fmt.Errorf("sensors of excursion %d: %w", e.ID, err)
	}
	if e.Locations == nil {
		e.Locations = []string{}
	}
	if e.Sensors == nil {
		e.Sensors = []string{}
	}
	return e, nil
}

// LotExcursions returns a lot's excursions, newest first, retracted ones included.
func (s *Store) LotExcursions(ctx context.Context, lotID int64) ([]Excursion, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+excursionColumns+`
FROM excursions e JOIN lots l ON l.id = e.lot_id WHERE e.lot_id = ? ORDER BY e.began DESC, e.id DESC`, lotID)
	if err != nil {
		return nil, fmt.Errorf("store: excursions of lot %d: %w", lotID, err)
	}
	defer rows.Close()
	out := []Excursion{}
	for rows.Next() {
		e, err := scanExcursion(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan excursion: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ExcursionByRef returns the lot's excursion with the rules engine's id ref; ok is
// false when none is recorded.
func (t *Tx) ExcursionByRef(ctx context.Context, lotID int64, ref string) (e Excursion, ok bool, err error) {
	e, err = scanExcursion(t.tx.QueryRowContext(ctx, `SELECT `+excursionColumns+`
FROM excursions e JOIN lots l ON l.id = e.lot_id WHERE e.lot_id = ? AND e.xid = ?`, lotID, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return Excursion{}, false, nil
	}
	if err != nil {
		return Excursion{}, false, fmt.Errorf("store: excursion %s of lot %d: %w", ref, lotID, err)
	}
	return e, true, nil
}

// OpenExcursions returns the lot's excursions recorded from the rules engine that have
// not ended and are not retracted, oldest first.
func (t *Tx) OpenExcursions(ctx context.Context, lotID int64) ([]Excursion, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT `+excursionColumns+`
FROM excursions e JOIN lots l ON l.id = e.lot_id
WHERE e.lot_id = ? AND e.xid <> '' AND e.ended IS NULL AND e.retracted IS NULL ORDER BY e.began, e.id`, lotID)
	if err != nil {
		return nil, fmt.Errorf("store: open excursions of lot %d: %w", lotID, err)
	}
	defer rows.Close()
	var out []Excursion
	for rows.Next() {
		e, err := scanExcursion(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan excursion: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// SaveExcursion records an excursion of the rules engine, or updates the one recorded
// with the same lot and Ref: every field but the lot and Ref is written as given. e.ID
// is set.
func (t *Tx) SaveExcursion(ctx context.Context, e *Excursion) error {
	if e.Ref == "" {
		return fmt.Errorf("store: save excursion of lot %d: no ref", e.LotID)
	}
	locs, err := json.Marshal(nonNil(e.Locations))
	if err != nil {
		return err
	}
	sensors, err := json.Marshal(nonNil(e.Sensors))
	if err != nil {
		return err
	}
	var mkt sql.NullFloat64
	if e.MKT != nil {
		mkt = sql.NullFloat64{Float64: *e.MKT, Valid: true}
	}
	err = t.tx.QueryRowContext(ctx, `INSERT INTO excursions
(lot_id, xid, profile, rule, kind, severity, site, location, sensor, locations, sensors, began, detected, ended, closed,
	peak, limit_value, delay_seconds, beyond_seconds, unknown_seconds, mkt, retracted, retract_note)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (lot_id, xid) WHERE xid <> '' DO UPDATE SET
	profile = excluded.profile, rule = excluded.rule, kind = excluded.kind, severity = excluded.severity,
	site = excluded.site, location = excluded.location, sensor = excluded.sensor,
	locations = excluded.locations, sensors = excluded.sensors, began = excluded.began, detected = excluded.detected,
	ended = excluded.ended, closed = excluded.closed, peak = excluded.peak, limit_value = excluded.limit_value,
	delay_seconds = excluded.delay_seconds, beyond_seconds = excluded.beyond_seconds,
	unknown_seconds = excluded.unknown_seconds, mkt = excluded.mkt, retracted = excluded.retracted,
	retract_note = excluded.retract_note
RETURNING id`,
		e.LotID, e.Ref, e.Profile, e.Rule, e.Kind, e.Severity, e.Site, e.Location, e.Sensor, string(locs), string(sensors),
		micros(e.Began), micros(e.Detected), nullTime(e.Ended), nullTime(e.Closed), e.Peak, e.Limit, e.DelaySeconds,
		e.BeyondSeconds, e.UnknownSeconds, mkt, nullTime(e.Retracted), e.RetractNote).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("store: save excursion %s of lot %d: %w", e.Ref, e.LotID, err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nullTime(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: micros(*t), Valid: true}
}
