package ds18b20

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/onewire"
	"periph.io/x/conn/v3/onewire/onewiretest"

	"github.com/lotsense/lotsense/drivers"
)

var t0 = time.Date(2025, 7, 1, 6, 0, 0, 0, time.UTC)

// match is Match ROM (0x55) and the probe's address, LSB (family code) first, then cmd.
func match(rom string, cmd ...byte) []byte {
	a, err := ParseROM(rom)
	if err != nil {
		panic(err)
	}
	w := []byte{0x55}
	for i := 0; i < 8; i++ {
		w = append(w, byte(a>>(8*i)))
	}
	return append(w, cmd...)
}

// The 1-Wire transactions of one probe, as periph's onewire.Dev sends them.
func readIO(rom string, spad []byte) onewiretest.IO {
	return onewiretest.IO{W: match(rom, 0xbe), R: spad, Pull: onewire.WeakPullup}
}

func convertIO(rom string) onewiretest.IO {
	return onewiretest.IO{W: match(rom, 0x44), Pull: onewire.StrongPullup}
}

// newTestDev returns a Dev on a playback bus that records the waits it asked for.
func newTestDev(t *testing.T, bus onewire.Bus, opts Options) (*Dev, *[]time.Duration) {
	t.Helper()
	d, err := NewOnBridge(NewBridge(bus, "playback bridge"), opts)
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	d.wait = func(ctx context.Context, dur time.Duration) error {
		waits = append(waits, dur)
		return ctx.Err()
	}
	return d, &waits
}

func poll(t *testing.T, d *Dev) (drivers.Reading, error) {
	t.Helper()
	rs, err := d.Poll(context.Background(), t0, nil)
	if len(rs) != 1 {
		t.Fatalf("Poll returned %d readings, want 1", len(rs))
	}
	if rs[0].Quantity != drivers.Temperature || !rs[0].Time.Equal(t0) || rs[0].Sensor != "" {
		t.Errorf("reading %+v: wrong quantity, time or sensor", rs[0])
	}
	return rs[0], err
}

func TestPollGood(t *testing.T) {
	pb := &onewiretest.Playback{DontPanic: true, Ops: []onewiretest.IO{
		readIO(romA, scratchpad(0x0550, cfg9)), // first contact: power-on value is fine here
		convertIO(romA),
		readIO(romA, scratchpad(0x0178, cfg9)),
		convertIO(romA),
		readIO(romA, scratchpad(0xff58, cfg9)),
	}}
	d, waits := newTestDev(t, pb, Options{ROM: romA, Resolution: 9})
	for _, want := range []float64{23.5, -10.5} {
		r, err := poll(t, d)
		if err != nil || r.Quality != drivers.Good || r.Value != want {
			t.Errorf("Poll = %+v, %v; want %v good", r, err, want)
		}
	}
	if len(*waits) != 2 || (*waits)[0] != 94*time.Millisecond {
		t.Errorf("waits %v, want two of 94ms", *waits)
	}
	if err := pb.Close(); err != nil {
		t.Error(err)
	}
}

// A probe at 12 bits configured for 9: periph's ds18b20.New writes the configuration
// register and copies it to EEPROM before the first conversion.
func TestPollSetsResolution(t *testing.T) {
	pb := &onewiretest.Playback{DontPanic: true, Ops: []onewiretest.IO{
		readIO(romB, scratchpad(0x0550, cfg12)),
		readIO(romB, scratchpad(0x0550, cfg12)), // ds18b20.New reads it again
		{W: match(romB, 0x4e, 0, 0, cfg9), Pull: onewire.WeakPullup},
		{W: match(romB, 0x48), Pull: onewire.StrongPullup},
		convertIO(romB),
		readIO(romB, scratchpad(0x0040, cfg9)),
	}}
	d, _ := newTestDev(t, pb, Options{ROM: romB, Resolution: 9, Name: "supply"})
	if r, err := poll(t, d); err != nil || r.Quality != drivers.Good || r.Value != 4 {
		t.Errorf("Poll = %+v, %v", r, err)
	}
	if err := pb.Close(); err != nil {
		t.Error(err)
	}
}

func TestPollBad(t *testing.T) {
	badCRC := scratchpad(0x0178, cfg9)
	badCRC[8] ^= 0x80
	allOnes := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	for _, tc := range []struct {
		name string
		spad []byte
		q    drivers.Quality
		err  error
		msg  string
	}{
		{"crc", badCRC, drivers.Bad, ErrCRC, "scratchpad CRC mismatch"},
		{"power-on", scratchpad(0x0550, cfg9), drivers.Bad, ErrPowerOn, "power-on value: the probe reset or lost power"},
		{"disconnected", allOnes, drivers.Unavailable, ErrNoResponse, "no response"},
		{"shorted", make([]byte, 9), drivers.Unavailable, ErrBusLow, "all zeros"},
		{"out of range", scratchpad(0x0800, cfg9), drivers.Bad, ErrOutOfRange, "128 °C"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pb := &onewiretest.Playback{DontPanic: true, Ops: []onewiretest.IO{
				readIO(romA, scratchpad(0x0550, cfg9)), convertIO(romA), readIO(romA, tc.spad),
			}}
			d, _ := newTestDev(t, pb, Options{ROM: romA, Resolution: 9, Name: "left"})
			r, err := poll(t, d)
			if r.Quality != tc.q || r.Value != 0 || !errors.Is(err, tc.err) {
				t.Errorf("Poll = %+v, %v; want %v and %v", r, err, tc.q, tc.err)
			}
			want := "ds18b20: probe " + romA + " (left) (playback bridge): "
			if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q, want %q…%q", err, want, tc.msg)
			}
			var pe *ProbeError
			if !errors.As(err, &pe) || pe.Probe != romA+" (left)" {
				t.Errorf("error %v is not a *ProbeError for the probe", err)
			}
			if err := pb.Close(); err != nil {
				t.Error(err)
			}
		})
	}
}

// Bad scratchpads at first contact stop before the resolution is touched.
func TestPollFirstContactBad(t *testing.T) {
	allOnes := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	pb := &onewiretest.Playback{DontPanic: true, Ops: []onewiretest.IO{
		readIO(romA, allOnes),
		readIO(romA, scratchpad(0x0178, cfg9)), convertIO(romA), readIO(romA, scratchpad(0x0178, cfg9)),
	}}
	d, _ := newTestDev(t, pb, Options{ROM: romA, Resolution: 9})
	if r, err := poll(t, d); r.Quality != drivers.Unavailable || !errors.Is(err, ErrNoResponse) {
		t.Errorf("first Poll = %+v, %v", r, err)
	}
	if r, err := poll(t, d); r.Quality != drivers.Good || err != nil {
		t.Errorf("second Poll = %+v, %v", r, err)
	}
	if err := pb.Close(); err != nil {
		t.Error(err)
	}
}
