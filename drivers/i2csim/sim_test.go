package i2csim_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/aht20"
	"github.com/lotsense/lotsense/drivers/bmxx80"
	"github.com/lotsense/lotsense/drivers/i2csim"
	"github.com/lotsense/lotsense/drivers/mcp9808"
)

var t0 = time.Date(2025, 7, 1, 6, 0, 0, 0, time.UTC)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// ramp is a model whose temperature rises 1 °C a minute from -30 °C and whose
// humidity falls 1 %RH a minute from 95 %RH.
type ramp struct{}

func (ramp) Temperature(t time.Time) float64 { return -30 + t.Sub(t0).Minutes() }
func (ramp) Humidity(t time.Time) float64    { return 95 - t.Sub(t0).Minutes() }

// source is what the drivers have in common.
type source interface {
	Poll(ctx context.Context, now time.Time, dst []drivers.Reading) ([]drivers.Reading, error)
	Close() error
}

// walk polls src at minutes 0, 7, 14, ... 84 of the ramp (-30 to +54 °C, 95 to 11
// %RH) and checks every reading is Good and within tol of the model.
func walk(t *testing.T, c *clock, src source, tolT, tolH float64) {
	t.Helper()
	for m := 0; m <= 84; m += 7 {
		now := t0.Add(time.Duration(m) * time.Minute)
		c.Set(now)
		rs, err := src.Poll(context.Background(), now, nil)
		if err != nil {
			t.Fatalf("minute %d: %v", m, err)
		}
		for _, r := range rs {
			want, tol := ramp{}.Temperature(now), tolT
			if r.Quantity == drivers.RelativeHumidity {
				want, tol = ramp{}.Humidity(now), tolH
			}
			if r.Quality != drivers.Good || math.Abs(r.Value-want) > tol {
				t.Errorf("minute %d: %v %v %v, want %v ± %v", m, r.Quantity, r.Value, r.Quality, want, tol)
			}
		}
	}
}

// wantAll checks one poll gives readings all of quality q and an error wrapping want
// (when want is not nil).
func wantAll(t *testing.T, src source, now time.Time, n int, q drivers.Quality, want error) {
	t.Helper()
	rs, err := src.Poll(context.Background(), now, nil)
	if err == nil || (want != nil && !errors.Is(err, want)) {
		t.Errorf("poll error %v, want one wrapping %v", err, want)
	}
	if len(rs) != n {
		t.Fatalf("%d readings, want %d", len(rs), n)
	}
	for _, r := range rs {
		if r.Quality != q || r.Value != 0 {
			t.Errorf("%v: %v %v, want %v", r.Quantity, r.Value, r.Quality, q)
		}
	}
}

func TestBME280(t *testing.T) {
	c := &clock{t: t0}
	chip, err := i2csim.NewBME280(0x77, i2csim.Config{Model: ramp{}, Clock: c.Now, Fault: i2csim.Reset, FaultAt: 90 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	bus, err := i2csim.NewBus("1", chip)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := bmxx80.New(bus, bmxx80.Options{Bus: "1", Address: 0x77})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	walk(t, c, dev, 0.01, 0.1) // 0.01 °C and about 1/1024 %RH after integer compensation
	c.Set(t0.Add(90 * time.Minute))
	wantAll(t, dev, c.Now(), 2, drivers.Bad, nil) // reset: measurements skipped
	wantAll(t, dev, c.Now(), 2, drivers.Bad, nil) // configured again, reset again
	chip.SetFault(i2csim.Silent)
	wantAll(t, dev, c.Now(), 2, drivers.Unavailable, nil) // periph's bmxx80 keeps only the text
}

func TestBME280NormalMode(t *testing.T) {
	c := &clock{t: t0}
	chip, _ := i2csim.NewBME280(0x76, i2csim.Config{Model: ramp{}, Clock: c.Now})
	bus, _ := i2csim.NewBus("1", chip)
	dev, err := bmxx80.New(bus, bmxx80.Options{Filter: 4, Standby: 250 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	walk(t, c, dev, 0.01, 0.1)
	if err := dev.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestAHT20(t *testing.T) {
	c := &clock{t: t0}
	chip, err := i2csim.NewAHT20(i2csim.Config{Model: ramp{}, Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	bus, _ := i2csim.NewBus("1", chip)
	dev, err := aht20.New(bus, aht20.Options{Bus: "1"})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	walk(t, c, dev, 200.0/(1<<20), 100.0/(1<<20))
	chip.SetFault(i2csim.CRC)
	wantAll(t, dev, c.Now(), 2, drivers.Bad, nil)
	chip.SetFault(i2csim.Silent)
	wantAll(t, dev, c.Now(), 2, drivers.Unavailable, i2csim.ErrNoAnswer)
	chip.SetFault(i2csim.NoFault)
	if rs, err := dev.Poll(context.Background(), c.Now(), nil); err != nil || rs[0].Quality != drivers.Good {
		t.Errorf("after the fault: %+v, %v", rs, err)
	}
}

func TestMCP9808(t *testing.T) {
	c := &clock{t: t0}
	chip, err := i2csim.NewMCP9808(0x1A, i2csim.Config{Model: ramp{}, Clock: c.Now, Fault: i2csim.Silent, FaultAt: time.Hour + 30*time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	bus, _ := i2csim.NewBus("1", chip)
	dev, err := mcp9808.New(bus, mcp9808.Options{Address: 0x1A, Resolution: 0.25})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	walk(t, c, dev, 0.25, 0)
	c.Set(t0.Add(90 * time.Minute))
	wantAll(t, dev, c.Now(), 1, drivers.Unavailable, i2csim.ErrNoAnswer)
}

func TestConfigErrors(t *testing.T) {
	if _, err := i2csim.NewMCP9808(0x18, i2csim.Config{Model: ramp{}, Fault: i2csim.CRC}); err == nil {
		t.Error("an MCP9808 with a CRC fault was accepted")
	}
	if _, err := i2csim.NewAHT20(i2csim.Config{}); err == nil {
		t.Error("a chip without a model was accepted")
	}
	if _, err := i2csim.NewBME280(0x18, i2csim.Config{Model: ramp{}}); err == nil {
		t.Error("a BME280 at 0x18 was accepted")
	}
	a, _ := i2csim.NewMCP9808(0x18, i2csim.Config{Model: ramp{}})
	b, _ := i2csim.NewMCP9808(0x18, i2csim.Config{Model: ramp{}})
	if _, err := i2csim.NewBus("1", a, b); err == nil {
		t.Error("two chips at one address were accepted")
	}
	bus, _ := i2csim.NewBus("1", a)
	if err := bus.Tx(0x40, []byte{0}, nil); !errors.Is(err, i2csim.ErrNoAnswer) {
		t.Errorf("Tx to an empty address: %v", err)
	}
}
