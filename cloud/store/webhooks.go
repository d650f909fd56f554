package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Webhook is a receiver of alert events over HTTP. Secret signs every delivery; it is
// never shown (not in JSON, not in lists).
type Webhook struct {
	ID     int64  `json:"id"`
	URL    string `json:"url"`
	Secret []byte `json:"-"`
	// Kinds limits the alert kinds delivered; empty means all.
	Kinds []string `json:"kinds,omitempty"`
	// MinSeverity delivers only alerts at least this severe; empty means all.
	MinSeverity string    `json:"min_severity,omitempty"`
	Created     time.Time `json:"created"`
	// Delivery counts, filled by Webhooks.
	Pending   int64 `json:"pending"`
	Delivered int64 `json:"delivered"`
	Failed    int64 `json:"failed"`
}

// Wants reports whether the webhook takes events of alert a.
func (w *Webhook) Wants(a *Alert) bool {
	if len(w.Kinds) > 0 && !slices.Contains(w.Kinds, a.Kind) {
		return false
	}
	return w.MinSeverity == "" || SeverityRank(a.Severity) >= SeverityRank(w.MinSeverity)
}

// AddWebhook stores a webhook and sets its ID; it receives the alert events written
// from then on.
func (s *Store) AddWebhook(ctx context.Context, w *Webhook) error {
	if w.URL == "" || len(w.Secret) == 0 {
		return errors.New("store: a webhook needs a URL and a secret")
	}
	if w.MinSeverity != "" && SeverityRank(w.MinSeverity) < 0 {
		return fmt.Errorf("store: webhook: unknown severity %q", w.MinSeverity)
	}
	w.Created = fromMicros(micros(s.now()))
	err := s.w.QueryRowContext(ctx, `INSERT INTO webhooks (url, secret, kinds, min_severity, created) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		w.URL, w.Secret, strings.Join(w.Kinds, ","), w.MinSeverity, micros(w.Created)).Scan(&w.ID)
	if err != nil {
		return fmt.Errorf("store: add webhook: %w", err)
	}
	return nil
}

// RemoveWebhook stops deliveries to a webhook: its pending deliveries are marked
// failed ("webhook removed"); it and its delivery log stay for the record.
func (s *Store) RemoveWebhook(ctx context.Context, id int64) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: remove webhook %d: %w", id, err)
	}
	defer tx.Rollback()
	now := micros(s.now())
	res, err := tx.ExecContext(ctx, `UPDATE webhooks SET removed = ? WHERE id = ? AND removed IS NULL`, now, id)
	if err != nil {
		return fmt.Errorf("store: remove webhook %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: webhook %d: %w", id, ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET failed = ?, last_error = 'webhook removed'
WHERE webhook_id = ? AND delivered IS NULL AND failed IS NULL`, now, id); err != nil {
		return fmt.Errorf("store: remove webhook %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: remove webhook %d: %w", id, err)
	}
	return nil
}

// Webhooks lists the webhooks not removed, with their delivery counts.
func (s *Store) Webhooks(ctx context.Context) ([]Webhook, error) {
	return s.webhooks(ctx, s.r, `SELECT w.id, w.url, w.secret, w.kinds, w.min_severity, w.created,
	count(d.id) FILTER (WHERE d.delivered IS NULL AND d.failed IS NULL),
	count(d.id) FILTER (WHERE d.delivered IS NOT NULL), count(d.id) FILTER (WHERE d.failed IS NOT NULL)
FROM webhooks w LEFT JOIN webhook_deliveries d ON d.webhook_id = w.id
WHERE w.removed IS NULL GROUP BY w.id ORDER BY w.id`)
}

func (s *Store) webhooks(ctx context.Context, db interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, q string) ([]Webhook, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: list webhooks: %w", err)
	}
	defer rows.Close()
	out := []Webhook{}
	for rows.Next() {
		var w Webhook
		var kinds string
		var created int64
		if err := rows.Scan(&w.ID, &w.URL, &w.Secret, &kinds, &w.MinSeverity, &created, &w.Pending, &w.Delivered, &w.Failed); err != nil {
			return nil, fmt.Errorf("store: scan webhook: %w", err)
		}
		if kinds != "" {
			w.Kinds = strings.Split(kinds, ",")
		}
		w.Created = fromMicros(created)
		out = append(out, w)
	}
	return out, rows.Err()
}

// queueDeliveries queues the event for every webhook that wants it.
func (t *Tx) queueDeliveries(ctx context.Context, ev *AlertEvent) error {
	hooks, err := t.s.webhooks(ctx, t.tx, `SELECT id, url, '', kinds, min_severity, created, 0, 0, 0 FROM webhooks WHERE removed IS NULL`)
	if err != nil {
		return err
	}
	now := micros(t.s.now())
	for _, w := range hooks {
		if !w.Wants(&ev.Alert) {
			continue
		}
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (webhook_id, event_id, queued, next_attempt) VALUES (?, ?, ?, ?)`,
			w.ID, ev.ID, now, now); err != nil {
			return fmt.Errorf("store: queue delivery of alert event %d to webhook %d: %w", ev.ID, w.ID, err)
		}
	}
	return nil
}
