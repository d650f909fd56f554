package influx

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotsense/lotsense/cloud/influx/influxtest"
	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/gateway/wire"
)

const testDB = "lotsense"

// rig is a cloud store, a real influxd and what the test stored, per series.
type rig struct {
	t      testing.TB
	st     *store.Store
	influx *influxtest.Server
	t0     time.Time

	mu     sync.Mutex
	srcs   map[string]int64
	stored map[series]int
	total  int
}

// series identifies an InfluxDB series: measurement and tags.
type series struct{ measurement, site, gateway, location, sensor, quality string }

func (s series) String() string {
	return fmt.Sprintf("%s,%s/%s,%s,%s,%s", s.measurement, s.site, s.gateway, s.location, s.sensor, s.quality)
}

func newRig(t testing.TB) *rig {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "lotsense.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &rig{t: t, st: st, influx: influxtest.Start(t, testDB), t0: time.Now().Add(-2 * time.Hour).Truncate(time.Second),
		srcs: map[string]int64{}, stored: map[series]int{}}
}

// batch stores readings of one gateway outbox with the given sequence numbers, all
// carrying lots (keys; none when empty), in one transaction.
func (r *rig) batch(site, gw, epoch string, seqs []uint64, lots []string, mk func(seq uint64) wire.Reading) {
	r.t.Helper()
	if err := r.put(site, gw, epoch, seqs, lots, mk); err != nil {
		r.t.Fatal(err)
	}
}

// put is batch for other goroutines than the test's.
func (r *rig) put(site, gw, epoch string, seqs []uint64, lots []string, mk func(seq uint64) wire.Reading) error {
	ctx := context.Background()
	tx, err := r.st.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	src, err := tx.Source(ctx, site, gw, epoch, r.t0)
	if err != nil {
		return err
	}
	var set int64
	if len(lots) > 0 {
		var ids []string
		var lotIDs []int64
		for _, k := range lots {
			id, err := tx.Lot(ctx, k, "09506000134352", strings.TrimPrefix(k, "(01)09506000134352(10)"), site, "room", r.t0)
			if err != nil {
				return err
			}
			lotIDs = append(lotIDs, id)
			ids = append(ids, fmt.Sprint(id))
		}
		if set, err = tx.LotSet(ctx, strings.Join(ids, ","), lotIDs); err != nil {
			return err
		}
	}
	added := map[series]int{}
	for _, seq := range seqs {
		rd := mk(seq)
		ok, err := tx.InsertReading(ctx, src, seq, &rd, set)
		if err != nil {
			return err
		}
		if ok {
			added[series{rd.Quantity.String(), tagValue(site), tagValue(gw), tagValue(rd.Location), tagValue(rd.Sensor), rd.Quality.String()}]++
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.srcs[site+"/"+gw+"/"+epoch] = src
	for k, n := range added {
		r.stored[k] += n
		r.total += n
	}
	return nil
}

// reading is the k-th reading of a gateway with nSensors sensors: one per sensor per
// second, temperatures between 2 and 9 °C, every 97th bad with an infinite value.
func (r *rig) reading(nSensors int) func(seq uint64) wire.Reading {
	return func(seq uint64) wire.Reading {
		k := int(seq - 1)
		rd := wire.Reading{Time: r.t0.Add(time.Duration(k/nSensors) * time.Second).Add(time.Duration(k%nSensors) * time.Millisecond),
			Synced: k%5 != 0, Sensor: fmt.Sprintf("th-%d", k%nSensors), Location: fmt.Sprintf("room-%d", k%nSensors%3),
			Quantity: wire.Temperature, Value: 2 + float64(k%71)/10, Quality: wire.Good}
		if k%97 == 96 {
			rd.Quality, rd.Value = wire.Bad, math.Inf(1)
		}
		return rd
	}
}

// tagValue is a name as InfluxDB shows it (see appendKey).
func tagValue(s string) string {
	return strings.NewReplacer(`\`, "/", "\n", " ", "\r", " ", "\t", " ").Replace(s)
}

func seqRange(first, last uint64) []uint64 {
	var out []uint64
	for s := first; s <= last; s++ {
		out = append(out, s)
	}
	return out
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.DiscardHandler)
}

// follower returns a follower of the rig's store into its influxd with its own
// metrics registry.
func (r *rig) follower(tune func(*Options)) (*Follower, *prometheus.Registry) {
	r.t.Helper()
	reg := prometheus.NewRegistry()
	o := Options{Store: r.st, URL: r.influx.URL, Bucket: testDB + "/autogen", Interval: 20 * time.Millisecond,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Logger: testLogger(r.t), Registerer: reg}
	if tune != nil {
		tune(&o)
	}
	f, err := New(o)
	if err != nil {
		r.t.Fatal(err)
	}
	return f, reg
}

// run runs f until the returned stop is called (or the test ends).
func (r *rig) run(f *Follower) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				r.t.Errorf("Run: %v", err)
			}
		})
	}
	r.t.Cleanup(stop)
	return stop
}

// counts returns the points per series in InfluxDB.
func (r *rig) counts() (map[series]int, error) {
	res, err := r.influx.Query(testDB, `SELECT count(synced) FROM /.*/ GROUP BY *`)
	if err != nil {
		return nil, err
	}
	out := map[series]int{}
	for _, s := range res {
		n, err := s.Values[0][1].(json.Number).Int64()
		if err != nil {
			return nil, err
		}
		out[series{s.Name, s.Tags["site"], s.Tags["gateway"], s.Tags["location"], s.Tags["sensor"], s.Tags["quality"]}] = int(n)
	}
	return out, nil
}

// waitForStored waits until InfluxDB holds exactly what the store holds, per series,
// and returns the counts.
func (r *rig) waitForStored(timeout time.Duration) map[series]int {
	r.t.Helper()
	r.mu.Lock()
	want := make(map[series]int, len(r.stored))
	for k, v := range r.stored {
		want[k] = v
	}
	r.mu.Unlock()
	deadline := time.Now().Add(timeout)
	for {
		got, err := r.counts()
		if err == nil && reflect.DeepEqual(got, want) {
			return got
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("after %s InfluxDB holds (err %v):\n%s", timeout, err, diffCounts(got, want))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func diffCounts(got, want map[series]int) string {
	var lines []string
	for k, w := range want {
		if got[k] != w {
			lines = append(lines, fmt.Sprintf("  %s: %d points, store %d", k, got[k], w))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			lines = append(lines, fmt.Sprintf("  %s: %d points, not in the store", k, g))
		}
	}
	sort.Strings(lines)
	if len(lines) > 20 {
		lines = append(lines[:20], fmt.Sprintf("  … %d more", len(lines)-20))
	}
	return strings.Join(lines, "\n")
}

func counter(t testing.TB, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			switch {
			case m.Counter != nil:
				sum += m.Counter.GetValue()
			case m.Gauge != nil:
				sum += m.Gauge.GetValue()
			}
		}
	}
	return sum
}
