package modbus

import (
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	goburrow "github.com/goburrow/modbus"

	"github.com/lotsense/lotsense/drivers"
)

// fakeLink answers reads with zeros, failing the first fails reads, and checks that no
// two reads overlap.
type fakeLink struct {
	mu       sync.Mutex
	busy     bool
	overlap  bool
	fails    int
	exc      bool
	reads    int
	resets   int
	units    []uint8
	timeouts []time.Duration
}

func (f *fakeLink) read(unit uint8, t table, start, count uint16, timeout time.Duration) ([]byte, error) {
	f.mu.Lock()
	f.overlap = f.overlap || f.busy
	f.busy = true
	f.reads++
	f.units = append(f.units, unit)
	f.timeouts = append(f.timeouts, timeout)
	fail, exc := f.fails > 0, f.exc
	f.fails--
	f.mu.Unlock()
	time.Sleep(time.Millisecond)
	f.mu.Lock()
	f.busy = false
	f.mu.Unlock()
	switch {
	case exc:
		return nil, &goburrow.ModbusError{FunctionCode: 3, ExceptionCode: goburrow.ExceptionCodeIllegalDataAddress}
	case fail:
		return nil, errors.New("serial: timeout")
	case t.bits():
		return make([]byte, (count+7)/8), nil
	}
	return make([]byte, 2*count), nil
}

func (f *fakeLink) reset() error {
	f.mu.Lock()
	f.resets++
	f.mu.Unlock()
	return nil
}

func fakeBus(t *testing.T, l *fakeLink) (*Bus, *[]time.Duration) {
	t.Helper()
	s, errs := Serial{Port: "/dev/fake", Pause: 50 * time.Millisecond}.resolve()
	if errs != nil {
		t.Fatal(errs)
	}
	b := newBus(s, l)
	var slept []time.Duration
	var mu sync.Mutex
	now := time.Unix(0, 0)
	b.line.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	b.line.sleep = func(d time.Duration) { mu.Lock(); slept = append(slept, d); now = now.Add(d); mu.Unlock() }
	return b, &slept
}

func TestBusSerialisesAndPauses(t *testing.T) {
	l := &fakeLink{}
	bus, slept := fakeBus(t, l)
	var devs []*Dev
	for unit := uint8(1); unit <= 3; unit++ {
		d, err := NewOnBus(bus, Options{UnitID: unit, Profile: "reefer-controller", Timeout: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		devs = append(devs, d)
	}
	var wg sync.WaitGroup
	for _, d := range devs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if _, err := d.Poll(t.Context(), time.Now(), nil); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if l.overlap {
		t.Error("two requests were on the bus at once")
	}
	if l.reads != 3*10*2 || len(*slept) != l.reads-1 {
		t.Errorf("%d reads, %d pauses; want 60 reads (2 per poll) and a pause before all but the first", l.reads, len(*slept))
	}
	for _, d := range *slept {
		if d != 50*time.Millisecond {
			t.Fatalf("paused %v, want 50ms (the fake clock does not move during a read)", d)
		}
	}
	seen := map[uint8]bool{}
	for _, u := range l.units {
		seen[u] = true
	}
	if len(seen) != 3 || l.timeouts[0] != 300*time.Millisecond {
		t.Errorf("units %v, timeouts %v", seen, l.timeouts[:1])
	}
	if _, err := NewOnBus(bus, Options{UnitID: 4, Profile: "th-transmitter", Serial: &Serial{Port: "/dev/fake", Baud: 19200}}); err == nil {
		t.Error("a device with other line settings joined the bus")
	}
}

func TestRetriesAndReset(t *testing.T) {
	l := &fakeLink{fails: 1}
	bus, _ := fakeBus(t, l)
	d, err := NewOnBus(bus, Options{UnitID: 1, Profile: "th-transmitter"})
	if err != nil {
		t.Fatal(err)
	}
	if rs, err := d.Poll(t.Context(), time.Now(), nil); err != nil || rs[0].Quality != drivers.Good {
		t.Fatalf("one failure and the default retry: %+v, %v", rs, err)
	}
	if l.reads != 2 || l.resets != 1 {
		t.Errorf("%d reads, %d resets; want 2 and 1 (the port reopens after a failure)", l.reads, l.resets)
	}
	l.fails, l.reads = 5, 0
	rs, err := d.Poll(t.Context(), time.Now(), nil)
	if err == nil || rs[0].Quality != drivers.Unavailable || l.reads != 2 {
		t.Errorf("failing device: %+v, %v after %d reads, want unavailable after 2", rs, err, l.reads)
	}
	l.fails, l.reads, l.exc = 0, 0, true
	rs, _ = d.Poll(t.Context(), time.Now(), nil)
	if rs[0].Quality != drivers.Bad || l.reads != 1 {
		t.Errorf("exception: %+v after %d reads, want bad after 1 (never retried)", rs, l.reads)
	}
}

func TestDecodeOrdersUnitsBits(t *testing.T) {
	f := math.Float32bits(-12.5)
	hi, lo := uint16(f>>16), uint16(f)
	sw := func(w uint16) uint16 { return w<<8 | w>>8 }
	for _, tt := range []struct {
		order string
		regs  []uint16
	}{{"ABCD", []uint16{hi, lo}}, {"CDAB", []uint16{lo, hi}}, {"BADC", []uint16{sw(hi), sw(lo)}}, {"DCBA", []uint16{sw(lo), sw(hi)}}} {
		v, q, err := Decode(Point{Type: "float32", Order: tt.order}, tt.regs)
		if err != nil || q != drivers.Good || v != -12.5 {
			t.Errorf("order %s: %v %v %v", tt.order, v, q, err)
		}
	}
	if v, _, _ := Decode(Point{Type: "float32", WordSwap: true}, []uint16{lo, hi}); v != -12.5 {
		t.Errorf("word_swap: %v", v)
	}
	if v, _, _ := Decode(Point{Type: "int16", Order: "BA"}, []uint16{0x3412}); v != 0x1234 {
		t.Errorf("int16 BA: %v", v)
	}
	if v, _, _ := Decode(Point{Type: "int16", Scale: 0.1, Unit: "°F"}, []uint16{410}); math.Abs(v-5) > 1e-9 {
		t.Errorf("41.0 °F = %v °C, want 5", v)
	}
	if v, _, _ := Decode(Point{Table: "coil", Scale: -1, Offset: 1}, []uint16{1}); v != 0 {
		t.Errorf("inverted contact: %v", v)
	}
	for _, p := range []Point{{Type: "int16", Order: "ABCD"}, {Type: "float32", Order: "BADC", WordSwap: true}, {Table: "coil", Order: "AB"}} {
		if _, _, err := Decode(p, []uint16{0, 0}); err == nil {
			t.Errorf("Decode(%+v) accepted", p)
		}
	}
	err := (Options{Address: "h", UnitID: 1, Points: []Point{
		{Quantity: "temperature", Unit: "%RH"},
		{Quantity: "setpoint", Register: 0, Unit: "Cel"},
		{Quantity: "humidity", Register: 1, Type: "float32"},
	}}).Validate()
	for _, want := range []string{`unit "%RH" does not fit temperature`, "points[1] (setpoint) register: holding registers 0-0 overlaps points[0]"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: %v, want %q", err, want)
		}
	}
}
