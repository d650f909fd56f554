package rules

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// mktDirect evaluates the USP <1160> formula as written, independently of the
// engine's scaled sums: MKT = (ΔH/R) / −ln(Σ wᵢ e^(−ΔH/(R Tᵢ)) / Σ wᵢ) − 273.15.
func mktDirect(celsius, weights []float64, hr float64) float64 {
	var num, den float64
	for i, c := range celsius {
		num += weights[i] * math.Exp(-hr/(c+273.15))
		den += weights[i]
	}
	return hr/-math.Log(num/den) - 273.15
}

func ones(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1
	}
	return w
}

// The published example of github.com/zelti/mkt (README, "Usage example"): readings
// 2, 2, 5, 8, 8, 8, 8 °C with ΔH = 83.14472 kJ/mol, R = 0.008314472 kJ/(mol·K)
// (ΔH/R = 10,000 K) give an MKT of 6.25 °C.
func TestMKTPublishedExample(t *testing.T) {
	temps := []float64{2, 2, 5, 8, 8, 8, 8}
	if got := MeanKinetic(temps, nil, 0); math.Abs(got-6.25) > 0.005 {
		t.Errorf("MeanKinetic = %.4f °C, published 6.25 °C", got)
	}
	direct := mktDirect(temps, ones(len(temps)), 10000)
	if math.Abs(direct-6.25) > 0.005 {
		t.Fatalf("direct formula = %.4f °C, published 6.25 °C", direct)
	}
	// The engine: hourly readings hold each value for one hour; an eighth reading
	// closes the seventh hour. activation_energy 83.144 kJ/mol is ΔH/R 10,000 K.
	for _, r := range []Rule{
		{Kind: KindMKT, Limit: 6, MinTime: mn(60)},
		{Kind: KindMKT, Limit: 6, MinTime: mn(60), ActivationEnergy: 83.144},
	} {
		e := newTestEngine(t, r)
		for i, v := range append(temps, 8) {
			e.Add(Reading{Time: at(60 * i), Quantity: Temperature, Value: v, Good: true})
		}
		xs := e.Excursions()
		if len(xs) != 1 || !xs[0].Start.Equal(at(7*60)) {
			t.Fatalf("excursions %+v, want one starting at the eighth reading", xs)
		}
		if got := xs[0].MKT; math.Abs(got-direct) > 1e-9 || math.Abs(got-6.25) > 0.005 {
			t.Errorf("engine MKT %.10f, direct %.10f, published 6.25", got, direct)
		}
	}
}

// Worked by hand, ΔH/R = 10,000 K:
//
//	e^(−10000/273.15) = e^(−36.6099) = 1.26041e−16   (0 °C)
//	e^(−10000/283.15) = e^(−35.3170) = 4.59235e−16   (10 °C)
//	equal times:  mean 2.92638e−16, −ln = 35.76759, 10000/35.76759 = 279.5827 K = 6.43 °C
//	3 h at 0 °C, 1 h at 10 °C: mean (3·1.26041 + 4.59235)/4 e−16 = 2.09340e−16,
//	−ln = 36.10252, 10000/36.10252 = 276.9887 K = 3.84 °C
func TestMKTHandComputed(t *testing.T) {
	if got := MeanKinetic([]float64{0, 10}, nil, 0); math.Abs(got-6.43) > 0.005 {
		t.Errorf("equal weights: %.4f, want 6.43", got)
	}
	hours := []time.Duration{3 * time.Hour, time.Hour}
	if got := MeanKinetic([]float64{0, 10}, hours, 10000); math.Abs(got-3.84) > 0.005 {
		t.Errorf("3 h at 0 °C, 1 h at 10 °C: %.4f, want 3.84", got)
	}
	// The engine weighs by time: readings at 0, 1 h, 2 h (0 °C) and 3 h (10 °C) and a
	// closing reading at 4 h.
	e := newTestEngine(t, Rule{Kind: KindMKT, Limit: 3, MinTime: mn(60)})
	for i, v := range []float64{0, 0, 0, 10, 5} {
		e.Add(Reading{Time: at(60 * i), Quantity: Temperature, Value: v, Good: true})
	}
	if xs := e.Excursions(); len(xs) != 1 || math.Abs(xs[0].MKT-3.84) > 0.005 {
		t.Errorf("engine: %+v, want MKT 3.84", xs)
	}
}

// The sliding window (and the whole series) against a brute-force evaluation of the
// definition: segments held at their start sample, capped at max_gap, clipped to the
// window, on irregular readings with gaps and bad readings.
func TestMKTWindowAgainstBruteForce(t *testing.T) {
	for _, window := range []time.Duration{0, 2 * time.Hour, 25 * time.Minute} {
		rule := Rule{Kind: KindMKT, Limit: -200, Window: Duration(window), MinTime: mn(20), MaxGap: mn(10)}
		e := newTestEngine(t, rule)
		rng := rand.New(rand.NewPCG(1, uint64(window)))
		var ts []time.Time
		var vs []float64
		tm, v := t0, 5.0
		judged := 0
		for n := 0; n < 600; n++ {
			tm = tm.Add(time.Duration(rng.IntN(600)+1) * time.Second)
			if rng.IntN(20) == 0 {
				tm = tm.Add(time.Duration(rng.IntN(40)) * time.Minute) // a gap
			}
			v += rng.Float64()*2 - 1
			good := rng.IntN(10) != 0
			e.Add(Reading{Time: tm, Quantity: Temperature, Value: v, Good: good})
			if !good {
				continue
			}
			ts, vs = append(ts, tm), append(vs, v)
			want, ok := bruteMKT(ts, vs, window, 10*time.Minute, 20*time.Minute)
			xs := e.Excursions()
			if !ok || len(xs) == 0 {
				continue
			}
			if got := xs[0].MKT; math.Abs(got-want) > 1e-6 {
				t.Fatalf("window %v, reading %d: engine MKT %.9f, brute force %.9f", window, n, got, want)
			}
			judged++
		}
		if judged < 100 {
			t.Errorf("window %v: only %d readings judged", window, judged)
		}
	}
}

func bruteMKT(ts []time.Time, vs []float64, window, maxGap, minTime time.Duration) (float64, bool) {
	now := ts[len(ts)-1]
	from := time.Time{}
	if window > 0 {
		from = now.Add(-window)
	}
	var temps, weights []float64
	var covered time.Duration
	for i := 0; i+1 < len(ts); i++ {
		start, end := ts[i], ts[i].Add(min(ts[i+1].Sub(ts[i]), maxGap))
		if start.Before(from) {
			start = from
		}
		if !end.After(start) {
			continue
		}
		temps, weights = append(temps, vs[i]), append(weights, float64(end.Sub(start)))
		covered += end.Sub(start)
	}
	if covered < minTime || covered == 0 {
		return 0, false
	}
	return mktDirect(temps, weights, 10000), true
}
