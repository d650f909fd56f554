package localapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/publish"
)

// fakeNow is a settable clock.
type fakeNow struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeNow) now() time.Time      { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeNow) add(d time.Duration) { f.mu.Lock(); f.t = f.t.Add(d); f.mu.Unlock() }

func openOutbox(t *testing.T, m outbox.Metrics) *outbox.Outbox {
	t.Helper()
	ob, _ := openOutboxDir(t, m)
	return ob
}

func openOutboxDir(t *testing.T, m outbox.Metrics) (*outbox.Outbox, string) {
	t.Helper()
	dir := t.TempDir()
	ob, err := outbox.Open(context.Background(), dir, outbox.Options{Logger: slog.New(slog.DiscardHandler), Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ob.Close() })
	return ob, dir
}

func appendN(t *testing.T, ob *outbox.Outbox, s outbox.Stream, n int) {
	t.Helper()
	recs := make([][]byte, n)
	for i := range recs {
		recs[i] = []byte("record")
	}
	if _, err := ob.Append(context.Background(), s, recs); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// The handlers on a real outbox: /status reports the streams, the oldest undelivered
// age, the counters from the gateway's registry, the link and the sensors; /metrics has
// the gateway's metrics, the API's gauges and the Go and process metrics.
func TestHandlers(t *testing.T) {
	reg := prometheus.NewRegistry()
	counter := func(name string) prometheus.Counter {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: "lotsense_gateway_" + name, Help: name})
		reg.MustRegister(c)
		return c
	}
	pending := prometheus.NewGauge(prometheus.GaugeOpts{Name: "lotsense_gateway_outbox_pending", Help: "p"})
	reg.MustRegister(pending)
	ob, dir := openOutboxDir(t, outbox.Metrics{Appended: counter("outbox_appended_total"), Pending: pending})
	published, dropped := counter("publish_records_total"), counter("readings_dropped_total")
	counter("outbox_thin_passes_total").Add(100) // not a drop
	counter("outbox_refused_total").Add(7)       // part of readings_dropped_total
	counter("outbox_thinned_total").Add(1)
	appendN(t, ob, outbox.Readings, 5)
	if err := ob.Ack(outbox.Readings, 2); err != nil {
		t.Fatal(err)
	}
	published.Add(2)
	dropped.Add(7)

	clock := &fakeNow{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	s, err := New(Options{Site: "s1", Gateway: "gw1", Boot: "b00t", Version: "v1", Broker: "tcp://127.0.0.1:1883",
		Outbox: ob, Dir: dir, Gatherer: reg, Registerer: reg, Now: clock.now, Synced: func() bool { return true },
		Sensors: func() []Sensor {
			return []Sensor{{ID: "th-1", Location: "room-1", LastPoll: clock.now(), Failing: true,
				Values: []Value{{Quantity: "temperature", Value: Num(math.NaN()), Unit: "°C", Quality: "unavailable"}}}}
		}})
	if err != nil {
		t.Fatal(err)
	}
	pm := s.Link().Metrics(publish.Metrics{})
	s.Link().Up()
	clock.add(10 * time.Second)
	pm.AckSeconds.Observe(0.0125)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	code, body := get(t, srv.URL+"/status")
	if code != http.StatusOK {
		t.Fatalf("/status: %d %s", code, body)
	}
	var st Status
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatalf("/status: %v\n%s", err, body)
	}
	checkStatus(t, &st, ob.Epoch())
	if !strings.Contains(body, `"value": null`) {
		t.Errorf("/status: a NaN value must be null:\n%s", body)
	}

	checkMetrics(t, srv.URL, ob.Epoch())
	if code, body = get(t, srv.URL+"/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if code, _ = get(t, srv.URL+"/nope"); code != http.StatusNotFound {
		t.Errorf("/nope: %d, want 404", code)
	}
}

func checkMetrics(t *testing.T, base, epoch string) {
	t.Helper()
	code, body := get(t, base+"/metrics")
	for _, name := range []string{"lotsense_gateway_outbox_pending 3", `lotsense_gateway_outbox_oldest_age_seconds{stream="readings"} 10`,
		`lotsense_gateway_outbox_stream_pending{stream="readings"} 3`, "lotsense_gateway_outbox_disk_bytes",
		"lotsense_gateway_connected 1", "lotsense_gateway_outbox_appended_total 5", "lotsense_gateway_clock_synced 1",
		`lotsense_gateway_info{boot="b00t",epoch="` + epoch + `",gateway="gw1",site="s1",version="v1"} 1`,
		"go_goroutines", "process_start_time_seconds"} {
		if code != http.StatusOK || !strings.Contains(body, name) {
			t.Errorf("/metrics (%d) lacks %q", code, name)
		}
	}
}

func checkStatus(t *testing.T, st *Status, epoch string) {
	t.Helper()
	if st.Site != "s1" || st.Gateway != "gw1" || st.Boot != "b00t" || st.Epoch != epoch || st.Version != "v1" ||
		st.Uptime != 10 || !st.ClockSynced {
		t.Errorf("identity: %+v", st)
	}
	if m := st.MQTT; m.Broker != "tcp://127.0.0.1:1883" || !m.Connected || m.LastAck != 0.0125 || m.LastAckAt.IsZero() {
		t.Errorf("mqtt: %+v", m)
	}
	if len(st.Outbox.Streams) != 3 {
		t.Fatalf("streams: %+v", st.Outbox.Streams)
	}
	r := st.Outbox.Streams[0]
	if r.Name != "readings" || r.Pending != 3 || r.NextSeq != 6 || r.Acked != 2 || r.OldestAge != 10 {
		t.Errorf("readings: %+v, want 3 pending, next 6, acked 2, oldest 10 s", r)
	}
	if a := st.Outbox.Streams[2]; a.Name != "alarms" || a.Pending != 0 || a.NextSeq != 1 || a.OldestAge != 0 {
		t.Errorf("alarms: %+v", a)
	}
	if st.Outbox.PendingBytes <= 0 || st.Outbox.DiskBytes <= 0 || st.Outbox.DiskBytes > 10<<20 {
		t.Errorf("pending bytes %d, disk bytes %d (allocated, not the preallocated files' sizes)",
			st.Outbox.PendingBytes, st.Outbox.DiskBytes)
	}
	c := st.Counters
	if c.Accepted != 5 || c.Published != 2 || c.Dropped != 8 || c.DroppedBy["readings_dropped_total"] != 7 ||
		c.DroppedBy["outbox_thinned_total"] != 1 || len(c.DroppedBy) != 2 {
		t.Errorf("counters: %+v", c)
	}
	if len(st.Sensors) != 1 || !st.Sensors[0].Failing || st.Sensors[0].Values[0].Value != nil {
		t.Errorf("sensors: %+v", st.Sensors)
	}
}

// Run serves on its address until ctx is done, and refuses an address in use.
func TestRunListens(t *testing.T) {
	ob := openOutbox(t, outbox.Metrics{})
	s, err := New(Options{Listen: "127.0.0.1:0", Outbox: ob, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	busy := httptest.NewServer(http.NotFoundHandler())
	defer busy.Close()
	s, err = New(Options{Listen: busy.Listener.Addr().String(), Outbox: ob, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "listen on") {
		t.Errorf("Run on an address in use: %v", err)
	}
}
