package influx

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// BenchmarkCatchUp measures how fast a backlog of stored readings reaches InfluxDB:
// LOTSENSE_INFLUX_BENCH_READINGS readings (default 200,000) of 50 gateways with 20
// sensors each, written by one follower in batches of DefaultBatchSize.
func BenchmarkCatchUp(b *testing.B) {
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("LOTSENSE_INFLUX_BENCH_READINGS")); err == nil && v > 0 {
		n = v
	}
	const gateways, sensors = 50, 20
	for range b.N {
		b.StopTimer()
		r := newRig(b)
		mk := r.reading(sensors)
		per := uint64(n / gateways)
		for g := range gateways {
			for first := uint64(1); first <= per; first += 5000 {
				r.batch(fmt.Sprintf("site-%d", g%5), fmt.Sprintf("gw-%d", g), "e1", seqRange(first, min(first+4999, per)), []string{lotA, lotB}, mk)
			}
		}
		f, reg := r.follower(nil)
		b.StartTimer()
		start := time.Now()
		ctx := context.Background()
		for {
			k, err := f.step(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if k == 0 {
				break
			}
		}
		el := time.Since(start)
		b.StopTimer()
		if w := counter(b, reg, "lotsense_influx_points_written_total"); int(w) != r.total {
			b.Fatalf("wrote %v of %d", w, r.total)
		}
		b.ReportMetric(float64(r.total)/el.Seconds(), "points/s")
		f.client.Close()
	}
}
