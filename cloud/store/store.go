package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// ErrNotFound is returned when a looked-up record does not exist.
var ErrNotFound = errors.New("store: not found")

// Store is the cloud's SQL store. Writes go through one connection (SQLite has one
// writer at a time; queuing in Go is cheaper than busy-waiting in SQLite); reads use a
// pool of read-only connections so the API never waits behind ingest.
type Store struct {
	w *sql.DB
	r *sql.DB
	// alertHook is called after a commit that changed alerts (OnAlertEvents).
	alertHook atomic.Pointer[func()]
	// now is the wall clock of operational times (webhook deliveries queued).
	now func() time.Time
}

// Open opens (creating if needed) the SQLite database at path and migrates it to the
// current schema.
func Open(ctx context.Context, path string) (*Store, error) {
	return open(ctx, path, len(migrations))
}

// open opens the database at path migrated to schema version (tests build old schemas
// with it).
func open(ctx context.Context, path string, version int) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("store: create directory for %s: %w", path, err)
	}
	// synchronous=FULL: the cloud acknowledges an MQTT message once its transaction
	// commits, so a committed batch must survive a power cut.
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "synchronous(FULL)", "foreign_keys(ON)"} {
		q.Add("_pragma", p)
	}
	wq := url.Values{"_txlock": {"immediate"}}
	for k, v := range q {
		wq[k] = v
	}
	w, err := sql.Open("sqlite", "file:"+path+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	s := &Store{w: w, now: time.Now}
	if err := s.migrateTo(ctx, version); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: migrate %s: %w", path, err)
	}
	q.Add("_pragma", "query_only(ON)")
	r, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s for reading: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	s.r = r
	return s, nil
}

// Close closes both connection pools.
func (s *Store) Close() error {
	return errors.Join(s.r.Close(), s.w.Close())
}

// Ping checks the database answers (for health checks).
func (s *Store) Ping(ctx context.Context) error { return s.r.PingContext(ctx) }

// micros and fromMicros convert times to the INTEGER microseconds stored in every table.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func nullMicros(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromMicros(n.Int64)
	return &t
}
