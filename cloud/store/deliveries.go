package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Delivery is one alert event queued for one webhook: the durable delivery log.
// Exactly one of Delivered and Failed is set once it is done; until then it is pending
// and NextAttempt says when it is tried.
type Delivery struct {
	ID          int64      `json:"id"`
	WebhookID   int64      `json:"webhook_id"`
	URL         string     `json:"url"`
	EventID     int64      `json:"event_id"`
	AlertID     int64      `json:"alert_id"`
	Action      string     `json:"action"`
	Kind        string     `json:"kind"`
	Queued      time.Time  `json:"queued"`
	Attempts    int        `json:"attempts"`
	NextAttempt time.Time  `json:"next_attempt"`
	LastAttempt *time.Time `json:"last_attempt,omitempty"`
	LastStatus  int        `json:"last_status,omitempty"` // HTTP status of the last answer; 0 for none
	LastError   string     `json:"last_error,omitempty"`
	Delivered   *time.Time `json:"delivered,omitempty"`
	Failed      *time.Time `json:"failed,omitempty"` // given up
}

// DeliveryFilter selects deliveries: Failed for those given up only, Pending for those
// not done; WebhookID when not 0.
type DeliveryFilter struct {
	Failed, Pending bool
	WebhookID       int64
	Limit           int
}

const deliveryColumns = `d.id, d.webhook_id, w.url, d.event_id, e.alert_id, e.action, json_extract(e.alert, '$.kind'),
	d.queued, d.attempts, d.next_attempt, d.last_attempt, d.last_status, d.last_error, d.delivered, d.failed`

func scanDelivery(sc interface{ Scan(...any) error }, extra ...any) (Delivery, error) {
	var d Delivery
	var queued, next int64
	var last, delivered, failed sql.NullInt64
	dest := append([]any{&d.ID, &d.WebhookID, &d.URL, &d.EventID, &d.AlertID, &d.Action, &d.Kind,
		&queued, &d.Attempts, &next, &last, &d.LastStatus, &d.LastError, &delivered, &failed}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return d, err
	}
	d.Queued, d.NextAttempt = fromMicros(queued), fromMicros(next)
	d.LastAttempt, d.Delivered, d.Failed = nullMicros(last), nullMicros(delivered), nullMicros(failed)
	return d, nil
}

// Deliveries lists the delivery log, newest first.
func (s *Store) Deliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+deliveryColumns+`
FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN alert_events e ON e.id = d.event_id
WHERE (NOT ?1 OR d.failed IS NOT NULL) AND (NOT ?2 OR (d.delivered IS NULL AND d.failed IS NULL)) AND (?3 = 0 OR d.webhook_id = ?3)
ORDER BY d.id DESC LIMIT ?4`, f.Failed, f.Pending, f.WebhookID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("store: list deliveries: %w", err)
	}
	defer rows.Close()
	out := []Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan delivery: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DueDelivery is a pending delivery whose time has come, with what sending it needs.
type DueDelivery struct {
	Delivery
	Secret []byte
	Event  AlertEvent
}

// DueDeliveries returns up to limit pending deliveries due at now, oldest first.
func (s *Store) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]DueDelivery, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+deliveryColumns+`, w.secret, e.at, e.actor, e.note, e.alert
FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN alert_events e ON e.id = d.event_id
WHERE d.delivered IS NULL AND d.failed IS NULL AND d.next_attempt <= ? ORDER BY d.next_attempt, d.id LIMIT ?`, micros(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: due deliveries: %w", err)
	}
	defer rows.Close()
	var out []DueDelivery
	for rows.Next() {
		var dd DueDelivery
		var at int64
		var body string
		dd.Delivery, err = scanDelivery(rows, &dd.Secret, &at, &dd.Event.Actor, &dd.Event.Note, &body)
		if err != nil {
			return nil, fmt.Errorf("store: scan due delivery: %w", err)
		}
		dd.Event.ID, dd.Event.Action, dd.Event.At = dd.EventID, dd.Action, fromMicros(at)
		if err := json.Unmarshal([]byte(body), &dd.Event.Alert); err != nil {
			return nil, fmt.Errorf("store: alert event %d: %w", dd.EventID, err)
		}
		out = append(out, dd)
	}
	return out, rows.Err()
}

// NextDeliveryDue returns when the earliest pending delivery is due; ok is false when
// none is pending.
func (s *Store) NextDeliveryDue(ctx context.Context) (at time.Time, ok bool, err error) {
	var next sql.NullInt64
	err = s.r.QueryRowContext(ctx, `SELECT min(next_attempt) FROM webhook_deliveries WHERE delivered IS NULL AND failed IS NULL`).Scan(&next)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: next delivery: %w", err)
	}
	if !next.Valid {
		return time.Time{}, false, nil
	}
	return fromMicros(next.Int64), true, nil
}

// Attempt is the outcome of one try to deliver: delivered, given up (failed), or to be
// tried again at Next.
type Attempt struct {
	At        time.Time
	Status    int    // HTTP status; 0 when there was no answer
	Error     string // why it did not succeed; "" when delivered
	Delivered bool
	Failed    bool
	Next      time.Time
}

// RecordAttempt writes the outcome of an attempt to a pending delivery. A delivery no
// longer pending (its webhook was removed meanwhile) is left as it is.
func (s *Store) RecordAttempt(ctx context.Context, id int64, a Attempt) error {
	at := micros(a.At)
	var delivered, failed sql.NullInt64
	switch {
	case a.Delivered:
		delivered = sql.NullInt64{Int64: at, Valid: true}
	case a.Failed:
		failed = sql.NullInt64{Int64: at, Valid: true}
	case a.Next.IsZero():
		return errors.New("store: a delivery attempt that neither succeeded nor gave up needs a next attempt")
	}
	_, err := s.w.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt = ?, last_status = ?,
	last_error = ?, delivered = ?, failed = ?, next_attempt = CASE WHEN ? > 0 THEN ? ELSE next_attempt END
WHERE id = ? AND delivered IS NULL AND failed IS NULL`,
		at, a.Status, a.Error, delivered, failed, micros(a.Next), micros(a.Next), id)
	if err != nil {
		return fmt.Errorf("store: record delivery %d attempt: %w", id, err)
	}
	return nil
}

// Cursor returns how far a consumer of alert events (e.g. "mqtt") has got: the id of
// the last event it handed on.
func (s *Store) Cursor(ctx context.Context, name string) (int64, error) {
	var id int64
	err := s.r.QueryRowContext(ctx, `SELECT event_id FROM notify_cursors WHERE name = ?`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: cursor %s: %w", name, err)
	}
	return id, nil
}

// SetCursor records that a consumer of alert events has handed on every event up to id.
func (s *Store) SetCursor(ctx context.Context, name string, id int64) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO notify_cursors (name, event_id) VALUES (?, ?)
ON CONFLICT (name) DO UPDATE SET event_id = max(event_id, excluded.event_id)`, name, id)
	if err != nil {
		return fmt.Errorf("store: set cursor %s: %w", name, err)
	}
	return nil
}
