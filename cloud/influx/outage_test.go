package influx

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// The proof of issue 10: InfluxDB killed (SIGKILL) for part of a run while readings
// keep arriving in the store, some of them out of sequence order, and the follower
// itself restarted during the outage; at the end InfluxDB holds every stored reading
// exactly once: per series, as many points as the store has readings.
func TestInfluxDownForPartOfTheRunLosesNothing(t *testing.T) {
	r := newRig(t)
	const gateways, sensors, perBatch = 20, 6, 60
	mk := r.reading(sensors)
	ctx, stopProducing := context.WithCancel(context.Background())
	var produced sync.WaitGroup
	produced.Go(func() {
		next := make([]uint64, gateways)
		held := make([][]uint64, gateways)
		put := func(g int, seqs []uint64) {
			var lots []string
			if g%2 == 0 {
				lots = []string{fmt.Sprintf("(01)09506000134352(10)L%d", g), lotA}
			}
			if err := r.put(fmt.Sprintf("site-%d", g%3), fmt.Sprintf("gw-%d", g), "e1", seqs, lots, mk); err != nil {
				t.Error(err)
			}
		}
		for i := 0; ctx.Err() == nil; i++ {
			g := i % gateways
			seqs := seqRange(next[g]+1, next[g]+perBatch)
			next[g] += perBatch
			if i%7 == 3 && held[g] == nil {
				held[g] = seqs // stored after the gateway's next batch, as a redelivery would be
				continue
			}
			put(g, seqs)
			if held[g] != nil {
				put(g, held[g])
				held[g] = nil
			}
			time.Sleep(2 * time.Millisecond)
		}
		for g, seqs := range held {
			if seqs != nil {
				put(g, seqs)
			}
		}
	})
	defer func() { stopProducing(); produced.Wait() }()

	a, regA := r.follower(func(o *Options) { o.BatchSize = 500 })
	stopA := r.run(a)
	waitFor(t, "points in InfluxDB", func() bool { return counter(t, regA, "lotsense_influx_points_written_total") > 1000 })

	r.influx.Kill()
	down := time.Now()
	waitFor(t, "a failed write", func() bool { return counter(t, regA, "lotsense_influx_write_errors_total") > 0 })
	written := counter(t, regA, "lotsense_influx_points_written_total") // writes are sequential: none is in flight now
	time.Sleep(500 * time.Millisecond)
	if w := counter(t, regA, "lotsense_influx_points_written_total"); w != written {
		t.Fatalf("%v points written while InfluxDB was down", w-written)
	}
	if lag := counter(t, regA, "lotsense_influx_lag_seconds"); lag < 0.4 {
		t.Errorf("lag %.2fs while InfluxDB is down, want it growing", lag)
	}
	stopA() // the follower restarts during the outage too
	b, regB := r.follower(func(o *Options) { o.BatchSize = 500 })
	r.run(b)
	time.Sleep(time.Second)
	r.mu.Lock()
	storedDuringOutage := r.total
	r.mu.Unlock()
	r.influx.Start()
	outage := time.Since(down)
	time.Sleep(500 * time.Millisecond)
	stopProducing()
	produced.Wait()

	start := time.Now()
	got := r.waitForStored(60 * time.Second)
	points := 0
	for _, n := range got {
		points += n
	}
	if points != r.total {
		t.Fatalf("%d points, %d readings stored", points, r.total)
	}
	if e := counter(t, regB, "lotsense_influx_write_errors_total"); e == 0 {
		t.Errorf("the second follower never found InfluxDB down")
	}
	waitFor(t, "the lag to fall", func() bool { return counter(t, regB, "lotsense_influx_lag_seconds") < 1 })
	t.Logf("%d readings in %d series from %d gateways; InfluxDB down %.1fs (%d readings stored by then), follower restarted while it was; "+
		"caught up %.1fs after the last reading; first follower wrote %.0f points, second %.0f",
		r.total, len(got), gateways, outage.Seconds(), storedDuringOutage, time.Since(start).Seconds(),
		counter(t, regA, "lotsense_influx_points_written_total"), counter(t, regB, "lotsense_influx_points_written_total"))
}

// A write InfluxDB received but did not answer in time (it hung) is sent again once
// it answers; both land on the same points, so nothing is duplicated.
func TestUnansweredWritesAreNotDuplicated(t *testing.T) {
	r := newRig(t)
	mk := r.reading(3)
	r.batch("site-1", "gw-1", "e1", seqRange(1, 300), []string{lotA}, mk)
	f, reg := r.follower(func(o *Options) { o.Timeout = 300 * time.Millisecond; o.BatchSize = 100 })
	r.influx.Pause()
	r.run(f)
	waitFor(t, "a timed-out write", func() bool { return counter(t, reg, "lotsense_influx_write_errors_total") >= 2 })
	r.influx.Resume()
	r.waitForStored(30 * time.Second)
	r.batch("site-1", "gw-1", "e1", seqRange(301, 400), []string{lotA}, mk)
	r.waitForStored(30 * time.Second)
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after 30s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
