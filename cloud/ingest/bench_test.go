package ingest_test

import (
	"context"
	"log/slog"
	"math"
	"path/filepath"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotsense/lotsense/cloud/broker"
	"github.com/lotsense/lotsense/cloud/ingest"
	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/drivers/gs1"
	"github.com/lotsense/lotsense/gateway/wire"
	"github.com/lotsense/lotsense/rules"
)

const (
	benchSite     = "bench-site"
	benchGateway  = "bench-gw"
	benchBatch    = 1000 // readings per payload, the gateway publisher's default
	benchGroup    = 256  // messages per transaction, Subscribe's default MaxGroup
	benchInflight = 32   // QoS 1 messages awaiting PUBACK, the gateway publisher's default
)

var (
	benchT0    = time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
	benchTopic = wire.Topic(benchSite, benchGateway, wire.KindReadings)
	benchLotA  = gs1.LotKey("09506000134352", "L2026-0042")
	benchLotB  = gs1.LotKey("09506000134369", "L2026-0043")
	benchLotC  = gs1.LotKey("09506000134376", "L2026-0107")
)

// benchSensor is one Modbus temperature/humidity transmitter of the cold-room site.
type benchSensor struct {
	id, location string
	lots         []string
	base         float64 // °C the room holds
}

// Four sensors in two cold rooms; room 1 holds lots A and B, room 2 lot C.
var benchSensors = [4]benchSensor{
	{"th-1", "cold-room-1", []string{benchLotA, benchLotB}, 3.0},
	{"th-2", "cold-room-1", []string{benchLotA, benchLotB}, 3.4},
	{"th-3", "cold-room-2", []string{benchLotC}, 2.5},
	{"th-4", "cold-room-2", []string{benchLotC}, 2.8},
}

// benchReading returns reading i of the site: the sensors take turns, each poll (every
// 10 s) yields a temperature and a humidity reading. Temperatures drift around each
// room's setpoint and rise above the 8 °C limit for 2 minutes every hour (a door left
// open), shorter than the rule's 15-minute delay: excursions start and end, no hold.
func benchReading(i int) wire.Reading {
	s := &benchSensors[(i/2)%len(benchSensors)]
	poll := i / (2 * len(benchSensors))
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
	}
	return r
}

// benchPayloads encodes readings 0..n-1 as binary reading batches of benchBatch
// readings with contiguous sequence numbers from 1, as the gateway publishes them.
func benchPayloads(b *testing.B, n int) [][]byte {
	b.Helper()
	var enc wire.ReadingEncoder
	batch := &wire.ReadingBatch{Header: wire.Header{Site: benchSite, Gateway: benchGateway, Boot: "boot-1", Epoch: "epoch-1"}}
	var out [][]byte
	for first := 0; first < n; first += benchBatch {
		batch.FirstSeq = uint64(first) + 1
		batch.Readings = batch.Readings[:0]
		for i := first; i < min(n, first+benchBatch); i++ {
			batch.Readings = append(batch.Readings, benchReading(i))
		}
		p, err := enc.Encode(nil, batch)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// benchIngester opens a SQLite store in a temp dir and an Ingester with the demo's rule;
// its metrics go to reg.
func benchIngester(b *testing.B, reg prometheus.Registerer) (*ingest.Ingester, *store.Store) {
	b.Helper()
	st, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "cloud.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	in, err := ingest.New(ingest.Options{Store: st, Rule: rules.HighLimit{Limit: 8, Delay: 15 * time.Minute},
		Logger: slog.New(slog.DiscardHandler), Registerer: reg})
	if err != nil {
		b.Fatal(err)
	}
	return in, st
}

// BenchmarkIngest measures ingest with dedupe and rules on SQLite: binary reading
// batches of 1000 readings handed to Process in groups of 256 messages (a backlog, as
// Subscribe groups them). One op is one reading.
func BenchmarkIngest(b *testing.B) {
	ctx := context.Background()
	in, st := benchIngester(b, nil)
	payloads := benchPayloads(b, b.N)
	now := time.Now()
	msgs := make([]ingest.Message, len(payloads))
	for i, p := range payloads {
		msgs[i] = ingest.Message{Topic: benchTopic, Payload: p, Received: now}
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < len(msgs); i += benchGroup {
		if err := in.Process(ctx, msgs[i:min(len(msgs), i+benchGroup)]); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	checkStored(b, st, b.N)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "readings/s")
}

// BenchmarkIngestMQTT measures the same payloads published at QoS 1 (32 in flight) by
// one paho client into the embedded broker while Subscribe stores them, until every
// reading is in SQLite. One op is one reading.
func BenchmarkIngestMQTT(b *testing.B) {
	br, err := broker.Start(broker.Options{Address: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	reg := prometheus.NewRegistry()
	in, st := benchIngester(b, reg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Subscribe(ctx, ingest.SubscribeOptions{Broker: br.URL(), ClientID: "bench-cloud"}) }()
	defer func() { cancel(); <-done }()
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(br.URL()).SetClientID(benchGateway).SetCleanSession(true))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		b.Fatalf("connect: %v", tok.Error())
	}
	defer c.Disconnect(0)
	awaitSubscribed(b, c, st)
	payloads := benchPayloads(b, b.N)
	base := storedMetric(reg)
	window := make(chan mqtt.Token, benchInflight)
	b.ResetTimer()
	start := time.Now()
	for _, p := range payloads {
		if len(window) == cap(window) {
			waitToken(b, <-window)
		}
		window <- c.Publish(benchTopic, 1, false, p)
	}
	waitStored(b, st, func() float64 { return storedMetric(reg) - base }, b.N)
	elapsed := time.Since(start)
	b.StopTimer()
	checkStored(b, st, b.N)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "readings/s")
}

func waitToken(b *testing.B, tok mqtt.Token) {
	if !tok.WaitTimeout(time.Minute) || tok.Error() != nil {
		b.Fatalf("publish: %v", tok.Error())
	}
}

// awaitSubscribed publishes a one-reading batch of another gateway until it is stored:
// from then on the cloud's subscription exists and no benchmark message can be lost.
func awaitSubscribed(b *testing.B, c mqtt.Client, st *store.Store) {
	b.Helper()
	probe := &wire.ReadingBatch{Header: wire.Header{Site: benchSite, Gateway: "probe", Boot: "b", Epoch: "e", FirstSeq: 1},
		Readings: []wire.Reading{{Time: benchT0, Sensor: "probe", Quantity: wire.Temperature, Value: 1}}}
	var enc wire.ReadingEncoder
	p, err := enc.Encode(nil, probe)
	if err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		waitToken(b, c.Publish(wire.Topic(benchSite, "probe", wire.KindReadings), 1, false, p))
		time.Sleep(20 * time.Millisecond)
		if stored(b, st, "probe") > 0 {
			return
		}
	}
	b.Fatal("the cloud did not subscribe within 30 s")
}

// stored returns how many readings of gateway gw the store holds.
func stored(b *testing.B, st *store.Store, gw string) int64 {
	srcs, err := st.Sources(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	for _, s := range srcs {
		if s.Site == benchSite && s.Gateway == gw {
			n += s.Readings
		}
	}
	return n
}

// waitStored waits until the store holds n readings of the benchmark gateway. The
// ingester's stored-readings counter (cheap to read, counted just before the commit)
// says when to look; store.Sources (a count over the readings table) decides.
func waitStored(b *testing.B, st *store.Store, counted func() float64, n int) {
	b.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	lastSources := time.Now()
	for {
		if counted() >= float64(n) || time.Since(lastSources) > 100*time.Millisecond {
			if stored(b, st, benchGateway) >= int64(n) {
				return
			}
			lastSources = time.Now()
		}
		if time.Now().After(deadline) {
			b.Fatalf("stored %d readings of %d after 5 minutes", stored(b, st, benchGateway), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// checkStored fails unless the store holds exactly readings 1..n of the benchmark
// gateway, each once.
func checkStored(b *testing.B, st *store.Store, n int) {
	b.Helper()
	srcs, err := st.Sources(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range srcs {
		if s.Gateway != benchGateway {
			continue
		}
		if s.Readings != int64(n) || s.MinSeq != 1 || s.MaxSeq != uint64(n) || s.Missing != 0 {
			b.Fatalf("stored %+v, want readings 1..%d once each", s, n)
		}
		return
	}
	b.Fatalf("no readings of %s stored, want %d", benchGateway, n)
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
