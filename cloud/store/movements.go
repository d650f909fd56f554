package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lotsense/lotsense/gateway/wire"
)

// InsertMovement records that a lot passed a dock door in the event (source, seq),
// unless that movement is recorded already; inserted tells which.
func (t *Tx) InsertMovement(ctx context.Context, lotID, source int64, seq uint64, m *Movement) (inserted bool, err error) {
	inserted, err = t.insertOnce(ctx, `INSERT INTO lot_movements
(lot_id, source_id, seq, time, type, location, inside, direction, read_point, tags)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		lotID, source, int64(seq), micros(m.Time), m.Type, m.Door, m.Inside, m.Direction, m.ReadPoint, m.Tags)
	if err != nil {
		return false, fmt.Errorf("store: movement of lot %d (event seq %d): %w", lotID, seq, err)
	}
	return inserted, nil
}

const lotMovementsQuery = `SELECT s.site, s.gateway, m.seq, m.time, m.type, m.location, m.inside, m.direction, m.read_point, m.tags
FROM lot_movements m JOIN sources s ON s.id = m.source_id
WHERE m.lot_id = ? ORDER BY m.time DESC, m.source_id DESC, m.seq DESC LIMIT ?`

// LotMovements returns a lot's passes through dock doors, newest first.
func (s *Store) LotMovements(ctx context.Context, lotID int64, limit int) ([]Movement, error) {
	rows, err := s.r.QueryContext(ctx, lotMovementsQuery, lotID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: movements of lot %d: %w", lotID, err)
	}
	defer rows.Close()
	out := []Movement{}
	for rows.Next() {
		var m Movement
		var at int64
		if err := rows.Scan(&m.Site, &m.Gateway, &m.Seq, &at, &m.Type, &m.Door, &m.Inside, &m.Direction, &m.ReadPoint, &m.Tags); err != nil {
			return nil, fmt.Errorf("store: scan movement: %w", err)
		}
		m.Time = fromMicros(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// EventFilter selects events: of any of Types (all when empty), at Location (any when
// empty), the newest Limit of them.
type EventFilter struct {
	Types    []string
	Location string
	Limit    int
}

// Events lists stored events, newest first.
func (s *Store) Events(ctx context.Context, f EventFilter) ([]Event, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q, args := eventsQuery(f)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list events: %w", err)
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var at, source int64
		var body string
		var e Event
		if err := rows.Scan(&at, &source, &e.Seq, &e.Site, &e.Gateway, &body); err != nil {
			return nil, fmt.Errorf("store: scan event: %w", err)
		}
		var w wire.Event
		if err := json.Unmarshal([]byte(body), &w); err != nil {
			return nil, fmt.Errorf("store: event %s/%s seq %d: stored body: %w", e.Site, e.Gateway, e.Seq, err)
		}
		e.Time, e.Synced, e.Type, e.Location, e.Direction = w.Time, w.Synced, w.Type, w.Location, w.Direction
		e.Lots, e.EPCs, e.Attrs = w.Lots, w.EPCs, w.Attrs
		if e.Lots == nil {
			e.Lots = []string{}
		}
		if e.EPCs == nil {
			e.EPCs = []string{}
		}
		if e.Attrs == nil {
			e.Attrs = map[string]string{}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// eventsQuery builds the query of Events so that each part reads an index newest
// first and stops at the limit: by type (events_type_time), by location
// (events_location_time) or by time alone (events_time). Several types are one part
// per type, merged.
func eventsQuery(f EventFilter) (string, []any) {
	part := func(typ string) (string, []any) {
		var where []string
		var args []any
		if typ != "" {
			where, args = append(where, "e.type = ?"), append(args, typ)
		}
		if f.Location != "" {
			where, args = append(where, "e.location = ?"), append(args, f.Location)
		}
		q := `SELECT e.time AS time, e.source_id AS source_id, e.seq AS seq, s.site, s.gateway, e.body
FROM events e JOIN sources s ON s.id = e.source_id`
		if len(where) > 0 {
			q += "\nWHERE " + strings.Join(where, " AND ")
		}
		return q + "\nORDER BY e.time DESC, e.source_id DESC, e.seq DESC LIMIT ?", append(args, f.Limit)
	}
	switch len(f.Types) {
	case 0:
		return part("")
	case 1:
		return part(f.Types[0])
	}
	var parts []string
	var args []any
	for _, typ := range f.Types {
		q, a := part(typ)
		parts, args = append(parts, "SELECT * FROM ("+q+")"), append(args, a...)
	}
	return strings.Join(parts, "\nUNION ALL\n") + "\nORDER BY time DESC, source_id DESC, seq DESC LIMIT ?", append(args, f.Limit)
}
