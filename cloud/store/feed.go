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

// FeedEvent is a gateway event in the order it was stored (see EventFeed).
type FeedEvent struct {
	ID      int64  // position in the feed
	Site    string // where the gateway is
	Gateway string
	Epoch   string // the gateway outbox's epoch: (site, gateway, epoch, seq) is unique
	Seq     uint64
	Event   wire.Event
}

// EventFeed returns up to limit events stored after feed position after, in the
// order they were stored. Followers keep the position of the last one they handled.
func (s *Store) EventFeed(ctx context.Context, after int64, limit int) ([]FeedEvent, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT f.id, s.site, s.gateway, s.epoch, f.seq, e.body
FROM event_feed f JOIN events e ON e.source_id = f.source_id AND e.seq = f.seq JOIN sources s ON s.id = f.source_id
WHERE f.id > ? ORDER BY f.id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: event feed: %w", err)
	}
	defer rows.Close()
	var out []FeedEvent
	for rows.Next() {
		var (
			f    FeedEvent
			seq  int64
			body string
		)
		if err := rows.Scan(&f.ID, &f.Site, &f.Gateway, &f.Epoch, &seq, &body); err != nil {
			return nil, fmt.Errorf("store: event feed: %w", err)
		}
		f.Seq = uint64(seq)
		if err := json.Unmarshal([]byte(body), &f.Event); err != nil {
			return nil, fmt.Errorf("store: event feed %d (%s/%s seq %d): stored body: %w", f.ID, f.Site, f.Gateway, seq, err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FeedStatus is one change of a lot's status, in the order of the history.
type FeedStatus struct {
	ID       int64
	Lot      string // key
	GTIN     string
	LotCode  string
	Site     string
	Location string
	At       time.Time
	From, To string
	Reason   string
	Actor    string
}

// StatusFeed returns up to limit lot status changes after history position after, in
// order.
func (s *Store) StatusFeed(ctx context.Context, after int64, limit int) ([]FeedStatus, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT h.id, l.key, l.gtin, l.lot, l.site, l.location, h.at, h.from_status, h.to_status, h.reason, h.actor
FROM lot_status_history h JOIN lots l ON l.id = h.lot_id WHERE h.id > ? ORDER BY h.id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: status feed: %w", err)
	}
	defer rows.Close()
	var out []FeedStatus
	for rows.Next() {
		var (
			f  FeedStatus
			at int64
		)
		if err := rows.Scan(&f.ID, &f.Lot, &f.GTIN, &f.LotCode, &f.Site, &f.Location, &at, &f.From, &f.To, &f.Reason, &f.Actor); err != nil {
			return nil, fmt.Errorf("store: status feed: %w", err)
		}
		f.At = fromMicros(at)
		out = append(out, f)
	}
	return out, rows.Err()
}

// LotStatuses returns the status of each lot of keys the store knows.
func (s *Store) LotStatuses(ctx context.Context, keys []string) (map[string]string, error) {
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		var st string
		err := s.r.QueryRowContext(ctx, `SELECT status FROM lots WHERE key = ?`, k).Scan(&st)
		switch {
		case err == nil:
			out[k] = st
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("store: status of lot %s: %w", k, err)
		}
	}
	return out, nil
}
