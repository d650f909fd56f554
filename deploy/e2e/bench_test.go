package e2e

// Unlike the tests of this package, which see lotsense only as processes, this
// benchmark imports the gateway and cloud packages: it runs the whole cold-room path in
// one process so that `make bench` can measure it next to the stages it is made of.

import (
	"context"
	"log/slog"
	"math"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotsense/lotsense/cloud/broker"
	"github.com/lotsense/lotsense/cloud/ingest"
	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/drivers/gs1"
	"github.com/lotsense/lotsense/gateway"
	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/publish"
	"github.com/lotsense/lotsense/gateway/wire"
	"github.com/lotsense/lotsense/rules"
)

const (
	benchGW     = "bench-gw"
	benchAppend = 100 // readings per outbox Append
)

var benchT0 = time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)

// benchSensor is one Modbus temperature/humidity transmitter; each is polled by its own
// goroutine, as the gateway polls each sensor in its own loop.
type benchSensor struct {
	id, location string
	lots         []string
	base         float64 // °C the room holds
}

// Four sensors in two cold rooms; room 1 holds two lots, room 2 one.
var benchSensors = []benchSensor{
	{"th-1", "cold-room-1", []string{lotA1, lotA2}, 3.0},
	{"th-2", "cold-room-1", []string{lotA1, lotA2}, 3.4},
	{"th-3", "cold-room-2", []string{lotB1}, 2.5},
	{"th-4", "cold-room-2", []string{lotB1}, 2.8},
}

// records appends to dst the outbox records of n readings of sensor s from poll
// number `poll` on: a poll every 10 s yields temperature and humidity, as the Modbus
// driver does. The room drifts around its setpoint and is above 8 °C for 2 minutes an
// hour (a door left open), shorter than the rule's delay. It returns the next poll.
func (s *benchSensor) records(dst [][]byte, poll, n int) ([][]byte, int) {
	for i := 0; i < n; i++ {
		r := wire.Reading{Time: benchT0.Add(time.Duration(poll) * 10 * time.Second), Synced: true,
			Sensor: s.id, Location: s.location, Lots: s.lots}
		if i%2 == 0 {
			r.Quantity = wire.Temperature
			r.Value = s.base + 0.8*math.Sin(float64(poll)/90)
			if poll%360 < 12 {
				r.Value += 6
			}
		} else {
			r.Quantity = wire.RelativeHumidity
			r.Value = 85 + 5*math.Sin(float64(poll)/200)
			poll++
		}
		dst = append(dst, gateway.ReadingRecord(nil, &r))
	}
	if n%2 == 1 {
		poll++
	}
	return dst, poll
}

// BenchmarkColdRoomPath measures the cold-room scenario end to end in one process:
// four sensor goroutines append 100 readings at a time to a real outbox (Badger,
// fsync'd) → gateway publisher (binary batches, QoS 1) → embedded broker → cloud
// ingest.Subscribe → SQLite with dedupe and rules, until all b.N readings are stored.
// One op is one reading.
func BenchmarkColdRoomPath(b *testing.B) {
	discard := slog.New(slog.DiscardHandler)
	br, err := broker.Start(broker.Options{Address: "127.0.0.1:0", Logger: discard})
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	st, counted := startCloud(b, br.URL())
	ob, err := outbox.Open(context.Background(), b.TempDir(), outbox.Options{Logger: discard, MaxBytes: 8 << 30})
	if err != nil {
		b.Fatal(err)
	}
	defer ob.Close()
	p, err := publish.New(ob, gateway.NewBatchEncoder(site, benchGW, "boot-1", ob.Epoch()),
		publish.Options{Broker: br.URL(), ClientID: benchGW, Logger: discard})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()

	b.ResetTimer()
	start := time.Now()
	produce(b, ob, b.N)
	waitStored(b, st, counted, b.N)
	elapsed := time.Since(start)
	b.StopTimer()
	checkStored(b, st, ob.Epoch(), b.N)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "readings/s")
}

// produce appends n readings from one goroutine per sensor, benchAppend per Append.
func produce(b *testing.B, ob *outbox.Outbox, n int) {
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	for i := range benchSensors {
		s := &benchSensors[i]
		wg.Go(func() {
			poll := 0
			var recs [][]byte
			for {
				k := min(int64(benchAppend), left.Add(-benchAppend)+benchAppend)
				if k <= 0 {
					return
				}
				recs, poll = s.records(recs[:0], poll, int(k))
				if _, err := ob.Append(context.Background(), outbox.Readings, recs); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
}

// startCloud opens SQLite in a temp dir and runs ingest.Subscribe on the broker until
// the benchmark ends; it returns once the subscription is in place, with a function
// that reads the ingester's count of readings stored since then.
func startCloud(b *testing.B, brokerURL string) (*store.Store, func() float64) {
	st, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "cloud.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	reg := prometheus.NewRegistry()
	in, err := ingest.New(ingest.Options{Store: st, Rule: rules.HighLimit{Limit: 8, Delay: 15 * time.Minute},
		Logger: slog.New(slog.DiscardHandler), Registerer: reg})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Subscribe(ctx, ingest.SubscribeOptions{Broker: brokerURL, ClientID: "bench-cloud"}) }()
	b.Cleanup(func() { cancel(); <-done }) // runs before st.Close
	awaitSubscribed(b, brokerURL, st)
	base := storedMetric(reg)
	return st, func() float64 { return storedMetric(reg) - base }
}

// awaitSubscribed publishes a one-reading batch of another gateway until it is stored:
// from then on the cloud's subscription exists and no benchmark message can be lost.
func awaitSubscribed(b *testing.B, brokerURL string, st *store.Store) {
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(brokerURL).SetClientID("bench-probe").SetCleanSession(true))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		b.Fatalf("probe connect: %v", tok.Error())
	}
	defer c.Disconnect(0)
	probe := &wire.ReadingBatch{Header: wire.Header{Site: site, Gateway: "probe", Boot: "b", Epoch: "e", FirstSeq: 1},
		Readings: []wire.Reading{{Time: benchT0, Sensor: "probe", Quantity: wire.Temperature, Value: 1,
			Lots: []string{gs1.LotKey("09506000134352", "PROBE")}}}}
	var enc wire.ReadingEncoder
	payload, err := enc.Encode(nil, probe)
	if err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if tok := c.Publish(wire.Topic(site, "probe", wire.KindReadings), 1, false, payload); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			b.Fatalf("probe publish: %v", tok.Error())
		}
		time.Sleep(20 * time.Millisecond)
		if stats(b, st, "probe").Readings > 0 {
			return
		}
	}
	b.Fatal("the cloud did not subscribe within 30 s")
}

// stats returns the stored-readings summary of gateway gw (zero if none).
func stats(b *testing.B, st *store.Store, gw string) store.SourceStats {
	srcs, err := st.Sources(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range srcs {
		if s.Site == site && s.Gateway == gw {
			return s
		}
	}
	return store.SourceStats{}
}

// waitStored waits until n readings of the benchmark gateway are stored. The
// ingester's stored-readings counter (cheap to read, counted just before the commit)
// says when to look; store.Sources (a count over the readings table) decides.
func waitStored(b *testing.B, st *store.Store, counted func() float64, n int) {
	deadline := time.Now().Add(5 * time.Minute)
	lastSources := time.Now()
	for {
		if counted() >= float64(n) || time.Since(lastSources) > 100*time.Millisecond {
			if stats(b, st, benchGW).Readings >= int64(n) {
				return
			}
			lastSources = time.Now()
		}
		if time.Now().After(deadline) {
			b.Fatalf("stored %d readings of %d after 5 minutes", stats(b, st, benchGW).Readings, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// checkStored fails unless exactly readings 1..n of the outbox are stored, each once.
func checkStored(b *testing.B, st *store.Store, epoch string, n int) {
	s := stats(b, st, benchGW)
	if s.Epoch != epoch || s.Readings != int64(n) || s.MinSeq != 1 || s.MaxSeq != uint64(n) || s.Missing != 0 {
		b.Fatalf("stored %+v, want readings 1..%d of outbox epoch %s once each", s, n, epoch)
	}
}

// storedMetric reads the ingester's count of stored readings from its registry.
func storedMetric(reg *prometheus.Registry) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		return 0
	}
	for _, mf := range mfs {
		if mf.GetName() != "lotsense_ingest_items_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			var kind, result string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "kind":
					kind = l.GetValue()
				case "result":
					result = l.GetValue()
				}
			}
			if kind == "readings" && result == "stored" {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
