package influx

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotsense/lotsense/cloud/store"
)

// Options configure a Follower.
type Options struct {
	// Store is the cloud store whose readings are written.
	Store *store.Store
	// URL of InfluxDB, e.g. http://127.0.0.1:8086.
	URL string
	// Token authenticates: an InfluxDB 2 API token, or "user:password" for InfluxDB
	// 1.8 with authentication on; empty when off. Never logged.
	Token string
	// Org is the InfluxDB 2 organisation; empty for InfluxDB 1.8.
	Org string
	// Bucket is the InfluxDB 2 bucket, or "database/retention-policy" for 1.8
	// (DefaultBucket).
	Bucket string
	// BatchSize is the most readings written in one request (DefaultBatchSize).
	BatchSize int
	// Interval is the pause between reads of the store once caught up, so the
	// longest a stored reading waits before it is written (DefaultInterval).
	Interval time.Duration
	// Cursor names the follower's cursors in the store (default "influx:" + Bucket).
	// A new name writes every stored reading again.
	Cursor string
	// GapGrace is how long a gap in a gateway outbox's sequence numbers is waited for
	// before the cursor passes it (DefaultGapGrace). Gaps the gateway declared
	// (thinned readings) are passed at once.
	GapGrace time.Duration
	// MinBackoff and MaxBackoff bound the wait between retries while InfluxDB or the
	// store fails (doubling from the first to the second; 250 ms and 30 s).
	MinBackoff, MaxBackoff time.Duration
	// Timeout bounds one write request (DefaultTimeout).
	Timeout time.Duration
	// Logger and Registerer are optional.
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// Defaults.
const (
	DefaultBucket    = "lotsense/autogen"
	DefaultBatchSize = 5000
	DefaultInterval  = time.Second
	DefaultGapGrace  = 10 * time.Minute
	DefaultTimeout   = 30 * time.Second
)

// init fills in defaults and checks the options.
func (o *Options) init() error {
	if o.Store == nil {
		return errors.New("influx: no store")
	}
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("influx: URL %q: want http://host:port or https://host:port", o.URL)
	}
	if u.User != nil {
		return fmt.Errorf("influx: URL %s carries credentials: give them as the token (user:password on 1.8)", u.Redacted())
	}
	if o.Bucket == "" {
		o.Bucket = DefaultBucket
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Cursor == "" {
		o.Cursor = "influx:" + o.Bucket
	}
	if o.GapGrace <= 0 {
		o.GapGrace = DefaultGapGrace
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 250 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(30*time.Second, o.MinBackoff)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return nil
}
