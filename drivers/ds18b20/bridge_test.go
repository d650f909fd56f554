package ds18b20

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"periph.io/x/conn/v3/onewire"
	"periph.io/x/conn/v3/onewire/onewiretest"

	"github.com/lotsense/lotsense/drivers"
)

// faultBus wraps a playback bus and fails every Tx with err while err is set.
type faultBus struct {
	*onewiretest.Playback
	err error
}

func (f *faultBus) Tx(w, r []byte, p onewire.Pullup) error {
	if f.err != nil {
		return f.err
	}
	return f.Playback.Tx(w, r, p)
}

// busError is what ds248x returns when no probe answers the reset: a 1-Wire BusError.
type busError string

func (e busError) Error() string  { return string(e) }
func (e busError) BusError() bool { return true }

type closeCounter struct{ n *int }

func (c closeCounter) Close() error { *c.n++; return nil }

// An opened bridge survives 1-Wire errors but is dropped and reopened after an I²C one.
func TestBridgeReopensAfterI2CError(t *testing.T) {
	fb := &faultBus{Playback: &onewiretest.Playback{DontPanic: true, Ops: []onewiretest.IO{
		readIO(romA, scratchpad(0x0178, cfg9)), convertIO(romA), readIO(romA, scratchpad(0x0178, cfg9)),
	}}}
	opens, closes := 0, 0
	b := &Bridge{name: "DS2482 0x18 on I²C bus 1", turn: make(chan struct{}, 1)}
	b.open = func() (onewire.Bus, io.Closer, error) {
		opens++
		if opens == 1 {
			return nil, nil, errors.New("ds18b20: open I²C bus \"1\": no such file")
		}
		return fb, closeCounter{&closes}, nil
	}
	d, _ := newTestDev(t, nil, Options{ROM: romA, Resolution: 9})
	d.bridge = b

	steps := []struct {
		fault error
		q     drivers.Quality
		msg   string
		opens int
		drops int
	}{
		{nil, drivers.Unavailable, "open I²C bus", 1, 0},
		{busError("ds248x: no device present"), drivers.Unavailable, "no device present", 2, 0},
		{errors.New("i2c: remote I/O error"), drivers.Unavailable, "remote I/O error", 2, 1},
		{nil, drivers.Good, "", 3, 1},
	}
	for i, s := range steps {
		fb.err = s.fault
		r, err := poll(t, d)
		if r.Quality != s.q || opens != s.opens || closes != s.drops {
			t.Errorf("step %d: %+v, %v; opens %d closes %d", i, r, err, opens, closes)
		}
		if s.msg != "" && (err == nil || !strings.Contains(err.Error(), s.msg) || !strings.Contains(err.Error(), "DS2482 0x18 on I²C bus 1")) {
			t.Errorf("step %d: error %v, want one naming the probe, the bridge and %q", i, err, s.msg)
		}
	}
	if err := fb.Close(); err != nil {
		t.Error(err)
	}
	if err := b.Close(); err != nil || closes != 2 {
		t.Errorf("Close: %v, closes %d", err, closes)
	}
	if _, err := poll(t, d); !errors.Is(err, ErrClosed) {
		t.Errorf("Poll after the bridge closed: %v", err)
	}
}

// Two probes share one bridge from a registry; a Dev waiting for its turn gives up
// with its context.
func TestBridgesShare(t *testing.T) {
	pb := &onewiretest.Playback{DontPanic: true, Ops: []onewiretest.IO{
		readIO(romA, scratchpad(0x0178, cfg9)), convertIO(romA), readIO(romA, scratchpad(0x0178, cfg9)),
		readIO(romB, scratchpad(0x0040, cfg9)), convertIO(romB), readIO(romB, scratchpad(0x0040, cfg9)),
	}}
	var reg Bridges
	opened := 0
	reg.open = func(bus string, addr uint16) (*Bridge, error) {
		opened++
		return NewBridge(pb, bridgeName(bus, addr)), nil
	}
	a, err := reg.New(Options{Bus: "1", ROM: romA, Resolution: 9})
	if err != nil {
		t.Fatal(err)
	}
	b, err := reg.New(Options{Bus: "1", BridgeAddress: 0x18, ROM: romB, Resolution: 9})
	if err != nil {
		t.Fatal(err)
	}
	if a.bridge != b.bridge || opened != 1 {
		t.Fatalf("two bridges opened (%d) for one bus and address", opened)
	}
	if _, err := reg.New(Options{Bus: "1", ROM: "28"}); err == nil {
		t.Error("bad options accepted")
	}
	a.wait, b.wait = sleepCtx, sleepCtx
	ctx := context.Background()
	for _, d := range []*Dev{a, b} {
		if rs, err := d.Poll(ctx, t0, nil); err != nil || rs[0].Quality != drivers.Good {
			t.Errorf("%s: %+v, %v", d, rs, err)
		}
	}
	if got := b.String(); got != "ds18b20 "+romB+" on DS2482 0x18 on I²C bus 1" {
		t.Errorf("String() = %q", got)
	}

	a.bridge.turn <- struct{}{} // someone else is mid-conversion
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if rs, err := b.Poll(cctx, t0, nil); !errors.Is(err, context.Canceled) || rs[0].Quality != drivers.Unavailable {
		t.Errorf("Poll while the bridge is busy: %+v, %v", rs, err)
	}
	<-a.bridge.turn

	if err := a.Close(); err != nil {
		t.Error(err)
	}
	if _, err := a.Poll(ctx, t0, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Poll after Close: %v", err)
	}
	if err := reg.Close(); err != nil {
		t.Error(err)
	}
	if err := pb.Close(); err != nil {
		t.Error(err)
	}
}

func TestOpenBridgeChecksAddress(t *testing.T) {
	if _, err := OpenBridge("1", 0x40); err == nil || !strings.HasPrefix(err.Error(), "ds18b20: bridge_address: ") {
		t.Errorf("OpenBridge(0x40) = %v", err)
	}
	b, err := OpenBridge("", 0x19)
	if err != nil || b.String() != "DS2482 0x19 on the first I²C bus" {
		t.Errorf("OpenBridge = %v, %v", b, err)
	}
	if _, err := New(Options{ROM: romA}); err != nil {
		t.Errorf("New touches hardware or fails: %v", err)
	}
	d, _ := NewOnBridge(NewBridge(nil, "nowhere"), Options{ROM: romA})
	if rs, err := d.Poll(context.Background(), t0, nil); err == nil || rs[0].Quality != drivers.Unavailable {
		t.Errorf("Poll on a nil bus: %+v, %v", rs, err)
	}
	if _, err := NewOnBridge(nil, Options{ROM: romA}); err == nil {
		t.Error("NewOnBridge(nil) accepted")
	}
}
