package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

const alertColumns = `id, kind, severity, state, site, location, gateway, sensor, coalesce(lot_id, 0), lot_key,
	coalesce(excursion_id, 0), message, count, created, last_seen, updated,
	acked_at, acked_by, ack_note, resolved_at, resolved_by, resolve_note`

func scanAlert(sc interface{ Scan(...any) error }) (Alert, error) {
	var a Alert
	var first, last, updated int64
	var ackAt, resAt sql.NullInt64
	var ack, res AlertAction
	err := sc.Scan(&a.ID, &a.Kind, &a.Severity, &a.State, &a.Site, &a.Location, &a.Gateway, &a.Sensor, &a.LotID, &a.Lot,
		&a.ExcursionID, &a.Message, &a.Count, &first, &last, &updated,
		&ackAt, &ack.By, &ack.Note, &resAt, &res.By, &res.Note)
	if err != nil {
		return a, err
	}
	a.FirstSeen, a.LastSeen, a.Updated = fromMicros(first), fromMicros(last), fromMicros(updated)
	if ackAt.Valid {
		ack.At = fromMicros(ackAt.Int64)
		a.Acknowledged = &ack
	}
	if resAt.Valid {
		res.At = fromMicros(resAt.Int64)
		a.Resolved = &res
	}
	return a, nil
}

func getAlert(ctx context.Context, db dbtx, id int64) (Alert, error) {
	a, err := scanAlert(db.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("store: alert %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("store: alert %d: %w", id, err)
	}
	return a, nil
}

// Alert returns one alert.
func (s *Store) Alert(ctx context.Context, id int64) (Alert, error) { return getAlert(ctx, s.r, id) }

// AlertFilter selects alerts: empty fields select all; AfterID > 0 for those created
// after an id.
type AlertFilter struct {
	State, Kind, Site, Severity string
	AfterID                     int64
	Limit                       int
}

// Alerts lists alerts; with AfterID oldest first, otherwise newest first.
func (s *Store) Alerts(ctx context.Context, f AlertFilter) ([]Alert, error) {
	order := "DESC"
	if f.AfterID > 0 {
		order = "ASC"
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+alertColumns+` FROM alerts
WHERE (?1 = '' OR state = ?1) AND (?2 = '' OR kind = ?2) AND (?3 = '' OR site = ?3) AND (?4 = '' OR severity = ?4) AND id > ?5
ORDER BY id `+order+` LIMIT ?6`, f.State, f.Kind, f.Site, f.Severity, f.AfterID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("store: list alerts: %w", err)
	}
	defer rows.Close()
	out := []Alert{}
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan alert: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

const eventColumns = `id, action, at, actor, note, alert`

func scanEvents(rows *sql.Rows) ([]AlertEvent, error) {
	defer rows.Close()
	out := []AlertEvent{}
	for rows.Next() {
		var ev AlertEvent
		var at int64
		var body string
		if err := rows.Scan(&ev.ID, &ev.Action, &at, &ev.Actor, &ev.Note, &body); err != nil {
			return nil, fmt.Errorf("store: scan alert event: %w", err)
		}
		ev.At = fromMicros(at)
		if err := json.Unmarshal([]byte(body), &ev.Alert); err != nil {
			return nil, fmt.Errorf("store: alert event %d: %w", ev.ID, err)
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// AlertEvents returns up to limit alert changes with ids above after, oldest first.
func (s *Store) AlertEvents(ctx context.Context, after int64, limit int) ([]AlertEvent, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+eventColumns+` FROM alert_events WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: alert events: %w", err)
	}
	return scanEvents(rows)
}

// LatestAlertEvents returns the newest limit alert changes, oldest first.
func (s *Store) LatestAlertEvents(ctx context.Context, limit int) ([]AlertEvent, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT * FROM (SELECT `+eventColumns+` FROM alert_events ORDER BY id DESC LIMIT ?) ORDER BY id`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: latest alert events: %w", err)
	}
	return scanEvents(rows)
}

// AlertHistory returns every change of one alert, oldest first.
func (s *Store) AlertHistory(ctx context.Context, alertID int64) ([]AlertEvent, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+eventColumns+` FROM alert_events WHERE alert_id = ? ORDER BY id`, alertID)
	if err != nil {
		return nil, fmt.Errorf("store: history of alert %d: %w", alertID, err)
	}
	return scanEvents(rows)
}

// LastAlertEventID returns the id of the newest alert change (0 when none).
func (s *Store) LastAlertEventID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.r.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM alert_events`).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: last alert event: %w", err)
	}
	return id, nil
}
