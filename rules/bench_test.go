package rules

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// pharmaValues is a day of 10-second temperatures around 5 °C with a warm spell a
// little above 8 °C, repeated by the benchmarks.
func pharmaValues() []float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	vs := make([]float64, 8640)
	v := 5.0
	for i := range vs {
		target := 5.0
		if i%8640 > 6000 && i%8640 < 6400 {
			target = 9
		}
		v += (target-v)*0.02 + rng.NormFloat64()*0.05
		vs[i] = v
	}
	return vs
}

func pharmaEngine(b *testing.B) *Engine {
	p, _ := Builtin("pharma-2-8")
	e, err := NewEngine(p, nil)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// In-order readings through the five rules of pharma-2-8 (high with delay, hard high,
// cumulative_high, mkt over a sliding 24 h window, low), history and checkpoints kept
// for a 48 h horizon.
func BenchmarkPharmaInOrder(b *testing.B) {
	e := pharmaEngine(b)
	vs := pharmaValues()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		st, _ := e.Add(Reading{Time: t0.Add(time.Duration(i) * 10 * time.Second), Quantity: Temperature,
			Value: vs[i%len(vs)], Good: true})
		if st != Applied {
			b.Fatal(st)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "readings/s")
}

// One late reading after 48 h of 10-second readings: the cost is the re-evaluation
// from the checkpoint before it to the newest reading.
func BenchmarkPharmaLateReading(b *testing.B) {
	for _, late := range []time.Duration{time.Minute, time.Hour, 24 * time.Hour} {
		b.Run(fmt.Sprintf("late=%v", late), func(b *testing.B) {
			e := pharmaEngine(b)
			vs := pharmaValues()
			n := 0
			next := func() {
				e.Add(Reading{Time: t0.Add(time.Duration(n) * 10 * time.Second), Quantity: Temperature, Value: vs[n%len(vs)], Good: true})
				n++
			}
			for range 2 * 8640 {
				next()
			}
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				next()
				b.StartTimer()
				tm := t0.Add(time.Duration(n)*10*time.Second - late + 5*time.Second)
				if st, _ := e.Add(Reading{Time: tm, Quantity: Temperature, Value: vs[i%len(vs)], Good: true}); st != Reordered {
					b.Fatal(st)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "late-readings/s")
		})
	}
}

// Snapshot and Restore after 48 h of 10-second readings (the size is reported).
func BenchmarkPharmaSnapshotRestore(b *testing.B) {
	e := pharmaEngine(b)
	vs := pharmaValues()
	for n := range 2 * 8640 {
		e.Add(Reading{Time: t0.Add(time.Duration(n) * 10 * time.Second), Quantity: Temperature, Value: vs[n%len(vs)], Good: true})
	}
	var size int
	b.ResetTimer()
	for range b.N {
		data, err := e.Snapshot()
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
		if err := pharmaEngine(b).Restore(data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size), "snapshot-bytes")
	b.ReportMetric(float64(len(e.hist)), "history-readings")
}
