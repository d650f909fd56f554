package ds18b20sim_test

import (
	"context"
	"errors"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/ds18b20"
	"github.com/lotsense/lotsense/drivers/ds18b20/ds18b20sim"
	"github.com/lotsense/lotsense/drivers/ds18b20/w1"
)

var t0 = time.Date(2025, 7, 1, 6, 0, 0, 0, time.UTC)

// The real w1 driver reads the simulated probe: the model's value within 1/16 °C
// over the whole range, then the scheduled fault and the ones switched on by hand.
func TestProbeThroughW1Driver(t *testing.T) {
	var now atomic.Int64
	now.Store(t0.UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	model := func(t time.Time) float64 { return -50 + t.Sub(t0).Minutes() } // -50 °C rising 1 °C a minute
	root := t.TempDir()
	p, err := ds18b20sim.New(ds18b20sim.Config{Root: root, ID: "28-0316A1B2C3FF", Temperature: model, Clock: clock,
		Fault: ds18b20sim.PowerOn, FaultAt: 3 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := w1.New(w1.Options{Root: root, ID: "28-0316a1b2c3ff"})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	poll := func(e time.Duration) drivers.Reading {
		t.Helper()
		now.Store(t0.Add(e).UnixNano())
		if err := p.Update(); err != nil {
			t.Fatal(err)
		}
		rs, _ := dev.Poll(context.Background(), clock(), nil)
		return rs[0]
	}
	for e := time.Duration(0); e < 170*time.Minute; e += 13 * time.Minute {
		r := poll(e)
		if want := model(t0.Add(e)); r.Quality != drivers.Good || math.Abs(r.Value-want) > 1.0/16 {
			t.Errorf("at %v: %+v, want %v", e, r, want)
		}
	}
	if r := poll(3 * time.Hour); r.Quality != drivers.Bad {
		t.Errorf("after the power-on fault: %+v, want bad", r)
	}
	for f, q := range map[ds18b20sim.Fault]drivers.Quality{ds18b20sim.CRC: drivers.Bad, ds18b20sim.Silent: drivers.Unavailable} {
		p.SetFault(f)
		if r := poll(time.Hour); r.Quality != q {
			t.Errorf("fault %v: %+v, want %v", f, r, q)
		}
	}
	p.SetFault(ds18b20sim.NoFault)
	if r := poll(time.Hour); r.Quality != drivers.Good || r.Value != 10 {
		t.Errorf("fault off: %+v, want 10 °C good", r)
	}
}

func TestRenderIsWhatTheParserAccepts(t *testing.T) {
	for _, c := range []float64{-55, -10.0625, -0.5, 0, 0.0625, 23.1875, 84.9375, 125} {
		s, err := w1.ParseW1Slave(ds18b20sim.Render(c, ds18b20sim.NoFault))
		if err != nil {
			t.Fatal(err)
		}
		v, q, err := s.Assess()
		if q != drivers.Good || err != nil || math.Abs(v-c) > 0.001 {
			t.Errorf("%v °C: %v %v %v", c, v, q, err)
		}
	}
	s, _ := w1.ParseW1Slave(ds18b20sim.Render(4, ds18b20sim.CRC))
	if _, _, err := s.Assess(); !errors.Is(err, ds18b20.ErrCRC) {
		t.Errorf("CRC fault: %v", err)
	}
}

func TestRun(t *testing.T) {
	root := t.TempDir()
	var calls atomic.Int32
	p, err := ds18b20sim.New(ds18b20sim.Config{Root: root, ID: "28-000000000001",
		Temperature: func(time.Time) float64 { calls.Add(1); return 4 }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := p.Run(ctx, 10*time.Millisecond); err != nil || calls.Load() < 3 {
		t.Errorf("Run: %v after %d updates", err, calls.Load())
	}
	if _, err := ds18b20sim.New(ds18b20sim.Config{Root: root, ID: "10-000000000001", Temperature: func(time.Time) float64 { return 0 }}); err == nil {
		t.Error("a DS18S20 id was accepted")
	}
}
