package influx

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/ingest"
	"github.com/lotsense/lotsense/gateway/wire"
)

// BenchmarkIngestWithInflux measures cloud ingest (dedupe and rules, SQLite) while a
// follower writes what it stores to InfluxDB in the same process, as serve
// -influx-url runs them: binary batches of 1,000 readings of 20 gateways processed in
// groups of 64 messages. One op is one reading; it reports the ingest rate, and the
// time InfluxDB took after the last commit to hold every reading; influx=off is the
// same ingest without the follower.
func BenchmarkIngestWithInflux(b *testing.B) {
	b.Run("influx=off", func(b *testing.B) { benchIngest(b, false) })
	b.Run("influx=on", func(b *testing.B) { benchIngest(b, true) })
}

func benchIngest(b *testing.B, follow bool) {
	r := newRig(b)
	in, err := ingest.New(ingest.Options{Store: r.st, Profile: ingest.HighLimitProfile(8, 15*time.Minute), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	const gateways, sensors, per, group = 20, 10, 1000, 64
	mk := r.reading(sensors)
	var enc wire.ReadingEncoder
	var msgs []ingest.Message
	next := make([]uint64, gateways)
	for n := 0; n < b.N; n += per {
		g := (n / per) % gateways
		batch := &wire.ReadingBatch{Header: wire.Header{Site: "site-1", Gateway: fmt.Sprintf("gw-%d", g), Boot: "b", Epoch: "e", FirstSeq: next[g] + 1}}
		for i := range min(per, b.N-n) {
			rd := mk(next[g] + uint64(i) + 1)
			rd.Lots = []string{fmt.Sprintf("(01)09506000134352(10)G%d", g)}
			batch.Readings = append(batch.Readings, rd)
		}
		next[g] += uint64(len(batch.Readings))
		p, err := enc.Encode(nil, batch)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, ingest.Message{Topic: wire.Topic("site-1", batch.Gateway, wire.KindReadings), Payload: p, Received: time.Now()})
	}
	f, reg := r.follower(func(o *Options) { o.Interval = DefaultInterval })
	if follow {
		defer r.run(f)()
	}
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < len(msgs); i += group {
		if err := in.Process(ctx, msgs[i:min(len(msgs), i+group)]); err != nil {
			b.Fatal(err)
		}
	}
	ingested := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/ingested.Seconds(), "ingested/s")
	if !follow {
		return
	}
	for counter(b, reg, "lotsense_influx_points_written_total") < float64(b.N) {
		time.Sleep(10 * time.Millisecond)
	}
	b.ReportMetric(time.Since(start).Seconds()-ingested.Seconds(), "s-influx-behind")
}
