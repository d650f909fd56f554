// Package influx writes the readings of the cloud store to InfluxDB (1.8 through its
// /api/v2/write endpoint, or 2.x) for long-term analysis and Grafana. The SQL store
// stays the source of truth: a Follower reads each gateway outbox's readings by
// sequence number after a durable cursor, writes them in batches and moves the cursor
// only once InfluxDB accepted them, so an outage of InfluxDB delays writes and loses
// none. See README.md for the measurements, tags and fields.
package influx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	influxdb2 "github.com/influxdata/influxdb-client-go/v2"
	"github.com/influxdata/influxdb-client-go/v2/api"
	ihttp "github.com/influxdata/influxdb-client-go/v2/api/http"

	"github.com/lotsense/lotsense/cloud/store"
)

// maxLotSets bounds the lot sets whose lots field is kept in memory.
const maxLotSets = 100_000

// Follower follows the store's readings into InfluxDB.
type Follower struct {
	o      Options
	st     *store.Store
	client influxdb2.Client
	api    api.WriteAPIBlocking
	log    *slog.Logger
	m      *metrics
	now    func() time.Time

	loaded  bool
	outs    []*progress // by outbox id
	lastOut int64       // the highest outbox id known
	start   int         // the outbox the next read starts at (round robin)
	lots    map[int64]string
	down    bool // the last write failed

	// reused between steps
	reads []store.SourceReading
	refs  []readRef
	buf   []byte
}

// readRef says which outbox a reading of Follower.reads came from.
type readRef struct{ out *progress }

// New checks the options and returns a follower; Run starts it.
func New(o Options) (*Follower, error) {
	if err := o.init(); err != nil {
		return nil, err
	}
	opts := influxdb2.DefaultOptions().
		SetHTTPRequestTimeout(uint(o.Timeout/time.Second) + 1). // a backstop: each write has its context's deadline
		SetPrecision(time.Nanosecond).
		SetLogLevel(0)
	client := influxdb2.NewClientWithOptions(o.URL, o.Token, opts)
	f := &Follower{o: o, st: o.Store, client: client, api: client.WriteAPIBlocking(o.Org, o.Bucket),
		log: o.Logger.With("component", "influx"), now: time.Now, lots: map[int64]string{}}
	f.m = newMetrics(o.Registerer, func() time.Time { return f.now() })
	return f, nil
}

// Run writes stored readings to InfluxDB until ctx ends: as fast as InfluxDB takes
// them while behind, then every Interval. Failures of InfluxDB or the store are
// retried with backoff; Run returns nil when ctx ends.
func (f *Follower) Run(ctx context.Context) error {
	defer f.client.Close()
	f.log.Info("writing readings to InfluxDB", "url", f.o.URL, "bucket", f.o.Bucket, "batch", f.o.BatchSize, "interval", f.o.Interval)
	wait := f.o.MinBackoff
	for {
		n, err := f.step(ctx)
		if ctx.Err() != nil {
			return nil
		}
		pause := f.o.Interval
		switch {
		case err != nil:
			f.m.errors.WithLabelValues("store").Inc()
			f.log.Error("influx: reading the store failed; retrying", "err", err, "in", wait)
			pause, wait = wait, min(2*wait, f.o.MaxBackoff)
		case n >= f.o.BatchSize:
			wait = f.o.MinBackoff
			continue // more is waiting
		default:
			wait = f.o.MinBackoff
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(pause):
		}
	}
}

// step writes one batch of readings (waiting while InfluxDB is down) and moves the
// cursors past it; it returns how many readings it wrote.
func (f *Follower) step(ctx context.Context) (int, error) {
	if err := f.load(ctx); err != nil {
		return 0, err
	}
	if err := f.read(ctx); err != nil {
		return 0, err
	}
	n := len(f.reads)
	if n > 0 {
		if err := f.lineProtocol(ctx); err != nil {
			return 0, err
		}
		if err := f.write(ctx, n); err != nil {
			return 0, err
		}
	}
	now := f.now()
	for i := range f.reads {
		f.refs[i].out.wrote(f.reads[i].Seq, now)
	}
	if err := f.settle(ctx, now); err != nil {
		return n, err
	}
	if n < f.o.BatchSize {
		f.m.caughtUp.Store(now.UnixNano())
	}
	return n, nil
}

// load reads the cursors once, then the outboxes created since the last step.
func (f *Follower) load(ctx context.Context) error {
	var cursors map[int64]uint64
	if !f.loaded {
		var err error
		if cursors, err = f.st.ReadingCursors(ctx, f.o.Cursor); err != nil {
			return err
		}
	}
	outs, err := f.st.SourcesAfter(ctx, f.lastOut)
	if err != nil {
		return err
	}
	for _, o := range outs {
		c := cursors[o.ID]
		f.outs = append(f.outs, &progress{src: o, next: c, saved: c})
		f.lastOut = o.ID
	}
	f.loaded = true
	return nil
}

// read reads up to BatchSize readings: of each outbox in turn, first those filling
// its holes, then those after the highest written.
func (f *Follower) read(ctx context.Context) error {
	f.reads, f.refs = f.reads[:0], f.refs[:0]
	for i := range f.outs {
		k := (f.start + i) % len(f.outs)
		p := f.outs[k]
		for _, h := range p.holes {
			if err := f.readRange(ctx, p, h.first, h.last); err != nil {
				return err
			}
		}
		if err := f.readRange(ctx, p, p.next+1, math.MaxUint64); err != nil {
			return err
		}
		if len(f.reads) >= f.o.BatchSize {
			f.start = k + 1 // the next one goes first next time: a backlog starves no one
			return nil
		}
	}
	return nil
}

func (f *Follower) readRange(ctx context.Context, p *progress, first, last uint64) error {
	room := f.o.BatchSize - len(f.reads)
	if room <= 0 {
		return nil
	}
	n := len(f.reads)
	var err error
	if f.reads, err = f.st.SourceReadings(ctx, p.src.ID, first, last, room, f.reads); err != nil {
		return err
	}
	for range f.reads[n:] {
		f.refs = append(f.refs, readRef{p})
	}
	return nil
}

// lineProtocol encodes the readings read into f.buf, looking up lot sets not yet
// known.
func (f *Follower) lineProtocol(ctx context.Context) error {
	var missing []int64
	for i := range f.reads {
		if id := f.reads[i].LotSet; id != 0 {
			if _, ok := f.lots[id]; !ok {
				f.lots[id] = "" // once per id in the list
				missing = append(missing, id)
			}
		}
	}
	if len(missing) > 0 {
		keys, err := f.st.LotSetKeys(ctx, missing)
		if err != nil {
			for _, id := range missing {
				delete(f.lots, id)
			}
			return err
		}
		for _, id := range missing {
			f.lots[id] = lotsField(keys[id])
		}
	}
	f.buf = f.buf[:0]
	for i := range f.reads {
		r := &f.reads[i]
		f.buf = appendLine(f.buf, &f.refs[i].out.src, r, f.lots[r.LotSet])
	}
	if len(f.lots) > maxLotSets {
		clear(f.lots)
	}
	return nil
}

// settle passes declared and expired gaps and stores the cursors that moved.
func (f *Follower) settle(ctx context.Context, now time.Time) error {
	moved := map[int64]uint64{}
	for _, p := range f.outs {
		if len(p.holes) > 0 {
			gaps, err := f.st.DeclaredGaps(ctx, p.src.ID, p.holes[0].first, p.holes[len(p.holes)-1].last)
			if err != nil {
				return err
			}
			p.declared(gaps)
			for _, g := range p.expire(now.Add(-f.o.GapGrace)) {
				f.m.gaveUp.Add(float64(g.Last - g.First + 1))
				f.log.Warn("influx: gave up waiting for readings missing from a gateway outbox; the cursor passes them",
					"site", p.src.Site, "gateway", p.src.Gateway, "epoch", p.src.Epoch, "first", g.First, "last", g.Last)
			}
		}
		if c := p.cursor(); c != p.saved {
			moved[p.src.ID] = c
		}
	}
	if err := f.st.SetReadingCursors(ctx, f.o.Cursor, moved); err != nil {
		return err
	}
	for _, p := range f.outs {
		p.saved = p.cursor()
	}
	return nil
}

// write writes f.buf (n readings), retrying with backoff until InfluxDB accepts it or
// ctx ends. A batch InfluxDB refuses as malformed (400) is logged and not retried:
// sending it again would be refused again and stop every later reading.
func (f *Follower) write(ctx context.Context, n int) error {
	body := string(f.buf[:len(f.buf)-1])
	wait := f.o.MinBackoff
	for {
		start := time.Now()
		wctx, cancel := context.WithTimeout(ctx, f.o.Timeout)
		err := f.api.WriteRecord(wctx, body)
		cancel()
		if err == nil {
			f.m.writes.Observe(time.Since(start).Seconds())
			f.m.points.Add(float64(n))
			f.m.up.Set(1)
			if f.down {
				f.log.Info("influx: writes resumed")
				f.down = false
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if status, retryAfter := httpStatus(err); status == 400 {
			f.m.rejected.Inc()
			f.log.Error("influx: InfluxDB refused part of a batch as malformed; not retried", "readings", n, "err", err)
			return nil
		} else if retryAfter > wait {
			wait = min(retryAfter, f.o.MaxBackoff)
		}
		f.m.errors.WithLabelValues("influx").Inc()
		f.m.up.Set(0)
		f.down = true
		f.log.Warn("influx: write failed; retrying (readings wait in the store)", "err", describe(err), "readings", n, "in", wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, f.o.MaxBackoff)
	}
}

// describe adds a hint to errors whose cause is a missing database or bucket.
func describe(err error) string {
	if status, _ := httpStatus(err); status == 404 {
		return fmt.Sprintf("%v (create the database or bucket; on 1.8: CREATE DATABASE, and name it db/rp)", err)
	}
	return err.Error()
}

// httpStatus returns the HTTP status of a failed write (0 when there was no answer)
// and how long the server asked to wait.
func httpStatus(err error) (int, time.Duration) {
	var he *ihttp.Error
	if errors.As(err, &he) {
		return he.StatusCode, time.Duration(he.RetryAfter) * time.Second
	}
	return 0, 0
}
