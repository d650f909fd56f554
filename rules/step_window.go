package rules

import (
	"math"
	"time"
)

// cumulativeStep integrates time beyond the limit over the whole series: the interval
// from the previous good sample to this one counts as beyond when the previous sample
// was strictly beyond (sample-and-hold), up to max_gap; the rest of a longer gap is
// Unknown. The excursion opens at the first sample beyond, is confirmed at the first
// sample at which the total exceeds the allowance, and never closes.
func (e *Engine) cumulativeStep(ri int, r *crule, s *ruleState, x *entry) {
	beyond := func(v float64) bool {
		if r.Kind == KindCumulativeHigh {
			return v > r.Limit
		}
		return v < r.Limit
	}
	if prev := &e.st.Q[r.q]; prev.Has {
		gap := x.t - prev.T
		covered := min(gap, r.maxGap)
		s.X.Unknown += gap - covered
		if beyond(prev.V) {
			s.X.Beyond += covered
		}
	}
	if beyond(x.v) {
		if !s.X.Open {
			s.X.Open, s.X.Start, s.X.Peak = true, x.t, x.v
			e.emit(Opened, ri, false, &s.X)
		} else if worse(r, x.v, s.X.Peak) {
			s.X.Peak = x.v
			e.emit(Updated, ri, false, &s.X)
		}
	}
	if s.X.Open && !s.X.Confirmed && s.X.Beyond > r.allowance {
		s.X.Confirmed, s.X.ConfirmedAt = true, x.t
		e.emit(Confirmed, ri, false, &s.X)
	}
}

// mktStep closes the segment from the previous good sample to this one (held at the
// previous sample's temperature, weight up to max_gap), updates the window's sums and
// judges the mean kinetic temperature once the window covers min_time.
func (e *Engine) mktStep(ri int, r *crule, s *ruleState, i int64, x *entry) {
	prev := e.st.Q[r.q]
	if !prev.Has {
		s.PrevBeyond = false
		return
	}
	e.credit(r, s, x)
	w := min(x.t-prev.T, r.maxGap)
	ee := r.exp(prev.V)
	s.SumE += float64(w) * ee
	s.SumW += w
	se, sw := s.SumE, s.SumW
	if r.window > 0 {
		if !s.HasTail {
			s.HasTail, s.TailIdx, s.TailT, s.TailW, s.TailE = true, prev.Idx, prev.T, w, ee
		}
		se, sw = e.slide(r, s, i, x.t-r.window)
	}
	c, mkt := condNone, 0.0
	if sw > 0 && sw >= r.minTime && se > 0 {
		mkt = r.hr/(r.xref-math.Log(se/float64(sw))) - 273.15
		switch {
		case mkt > r.Limit:
			c = condBeyond
		case mkt > r.Limit-r.ClearMargin:
			c = condBand
		default:
			c = condClear
		}
	}
	e.level(ri, r, s, i, x.t, c, mkt)
	if s.X.Open && c != condNone {
		s.X.MKT = mkt
	}
}

// exp returns e^(ΔH/R·(1/273.15 K − 1/T)): e^(−ΔH/RT) scaled by e^(ΔH/R/273.15 K) so
// the sums stay near 1; MKT = ΔH/R ÷ (ΔH/R/273.15 − ln(Σw·exp ÷ Σw)).
func (r *crule) exp(celsius float64) float64 {
	return math.Exp(r.xref - r.hr/(celsius+273.15))
}

// slide drops the segments that ended at or before the window start ws and returns
// the sums with the first segment clipped to the window.
func (e *Engine) slide(r *crule, s *ruleState, i, ws int64) (float64, int64) {
	for s.HasTail && s.TailT+s.TailW <= ws {
		s.SumE -= float64(s.TailW) * s.TailE
		s.SumW -= s.TailW
		n1 := e.nextGood(r.q, s.TailIdx)
		if n1 == i { // the only segment left is the one this sample opens
			s.HasTail, s.SumE, s.SumW = false, 0, 0
			break
		}
		n2 := e.nextGood(r.q, n1)
		a, b := e.entryAt(n1), e.entryAt(n2)
		s.TailIdx, s.TailT, s.TailW, s.TailE = n1, a.t, min(b.t-a.t, r.maxGap), r.exp(a.v)
	}
	if !s.HasTail {
		return 0, 0
	}
	clip := max(0, ws-s.TailT)
	return s.SumE - float64(clip)*s.TailE, s.SumW - clip
}

// rateStep judges the rate of change from the oldest good sample within span before
// this one, once that base is at least span/2 old: (v − v_base) ÷ minutes between.
func (e *Engine) rateStep(ri int, r *crule, s *ruleState, i int64, x *entry) {
	if !s.HasTail {
		s.HasTail, s.TailIdx = true, i
		s.PrevBeyond = false
		return
	}
	from := x.t - r.span
	for s.TailIdx < i && e.entryAt(s.TailIdx).t < from {
		s.TailIdx = e.nextGood(r.q, s.TailIdx)
	}
	c, rate := condNone, 0.0
	if b := e.entryAt(s.TailIdx); s.TailIdx < i && 2*(x.t-b.t) >= r.span {
		rate = (x.v - b.v) / (float64(x.t-b.t) / 60e9)
		c = rateCond(r, rate)
	}
	e.credit(r, s, x)
	e.level(ri, r, s, i, x.t, c, rate)
}

func rateCond(r *crule, rate float64) cond {
	v := abs(rate)
	switch r.dir {
	case 1:
		v = rate
	case -1:
		v = -rate
	}
	switch {
	case v > r.PerMinute:
		return condBeyond
	case v > r.PerMinute-r.ClearMargin:
		return condBand
	}
	return condClear
}

// MeanKinetic returns the mean kinetic temperature, °C, of temperatures in °C each
// held for its weight (nil weights: equal weights, the form USP <1160> writes):
// MKT = (ΔH/R) ÷ −ln(Σ wᵢ·e^(−ΔH/(R·Tᵢ)) ÷ Σ wᵢ), Tᵢ in kelvin. deltaHR is ΔH/R in
// kelvin; 0 takes DefaultDeltaHR. It returns NaN when there is nothing to average.
func MeanKinetic(celsius []float64, weights []time.Duration, deltaHR float64) float64 {
	if deltaHR == 0 {
		deltaHR = DefaultDeltaHR
	}
	r := crule{hr: deltaHR, xref: deltaHR / 273.15}
	var se, sw float64
	for i, c := range celsius {
		w := 1.0
		if weights != nil {
			w = float64(weights[i])
		}
		se += w * r.exp(c)
		sw += w
	}
	if sw <= 0 || se <= 0 {
		return math.NaN()
	}
	return r.hr/(r.xref-math.Log(se/sw)) - 273.15
}
