package aht20

import (
	"context"
	"errors"
	"strings"
	"testing"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"

	"github.com/lotsense/lotsense/drivers"
)

// faultBus fails transaction number failAt (counting from 0) without passing it on.
type faultBus struct {
	i2c.Bus
	n, failAt int
}

func (f *faultBus) Tx(addr uint16, w, r []byte) error {
	f.n++
	if f.n-1 == f.failAt {
		return errors.New("remote I/O error")
	}
	return f.Bus.Tx(addr, w, r)
}

func TestPollBusError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		failAt int
		what   string
	}{{"status", 0, "initialise"}, {"trigger", 1, "measure"}, {"read", 2, "measure"}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Transaction failAt fails; the next poll checks the chip again and reads.
			all := ops([]i2ctest.IO{statusOp(stateReady)}, measureOps(good))[:tc.failAt]
			pb := &i2ctest.Playback{Ops: ops(all, []i2ctest.IO{statusOp(stateReady)}, measureOps(good)), DontPanic: true}
			d := newDev(t, &faultBus{Bus: pb, failAt: tc.failAt}, Options{Bus: "/dev/i2c-1", Address: 0x38})
			got, err := poll(t, d)
			if err == nil || !strings.HasPrefix(err.Error(), `aht20: AHT20 on I²C bus "/dev/i2c-1" at 0x38: `+tc.what) ||
				!strings.Contains(err.Error(), "remote I/O error") {
				t.Errorf("error %v", err)
			}
			want(t, got, 0, drivers.Unavailable, 0, drivers.Unavailable)
			got, err = poll(t, d)
			if err != nil {
				t.Fatal(err)
			}
			want(t, got, wantTemp, drivers.Good, 75, drivers.Good)
			closeAll(t, d, pb)
		})
	}
}

// A playback that ends early fails the poll like a chip that stopped answering.
func TestPollMissingTransaction(t *testing.T) {
	t.Parallel()
	pb := &i2ctest.Playback{Ops: ops([]i2ctest.IO{statusOp(stateReady)}, measureOps()), DontPanic: true}
	d := newDev(t, pb, Options{})
	got, err := poll(t, d)
	if err == nil {
		t.Fatal("no error")
	}
	want(t, got, 0, drivers.Unavailable, 0, drivers.Unavailable)
	closeAll(t, d, pb)
}

func TestPollAfterCloseAndCanceled(t *testing.T) {
	t.Parallel()
	pb := &i2ctest.Playback{DontPanic: true}
	d := newDev(t, pb, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := d.Poll(ctx, now, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled poll: %v", err)
	}
	want(t, got, 0, drivers.Unavailable, 0, drivers.Unavailable)
	closeAll(t, d, pb)
	if _, err := poll(t, d); !errors.Is(err, ErrClosed) {
		t.Errorf("poll after close: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
