package bmxx80

import (
	"context"
	"math"
	"testing"

	"periph.io/x/conn/v3/i2c/i2ctest"

	"github.com/lotsense/lotsense/drivers"
)

// fit returns b cut or zero-padded to n bytes.
func fit(b []byte, n int) []byte {
	out := make([]byte, n)
	copy(out, b)
	return out
}

// FuzzPoll feeds arbitrary calibration and data registers through a playback bus into
// Poll: it must not panic, a Good reading must be a number within the chip's range,
// and any reading that is not Good must come with an error.
func FuzzPoll(f *testing.F) {
	f.Add(calTP, calH, data4C75)
	f.Add(calTP, calH, data86C)
	f.Add(calTP, calH, dataNoH)
	f.Add([]byte{}, []byte{}, []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, tp, h, data []byte) {
		pb := &i2ctest.Playback{Ops: ops(initOps(), senseOps(fit(data, 8))), DontPanic: true}
		pb.Ops[1].R, pb.Ops[2].R = fit(tp, 26), fit(h, 7)
		d, err := New(pb, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := d.Poll(context.Background(), now, nil)
		if len(got) != 2 {
			t.Fatalf("%d readings", len(got))
		}
		lo := []float64{MinCelsius, MinRH}
		hi := []float64{MaxCelsius, MaxRH}
		for i, r := range got {
			switch r.Quality {
			case drivers.Good:
				if math.IsNaN(r.Value) || r.Value < lo[i] || r.Value > hi[i] {
					t.Errorf("good reading %+v out of range", r)
				}
			case drivers.Bad:
				if err == nil || r.Value != 0 {
					t.Errorf("bad reading %+v, error %v", r, err)
				}
			default:
				t.Errorf("reading %+v from a bus that answered", r)
			}
		}
		raw := parseRaw(fit(data, 8))
		if raw.tempSkipped() != (raw.temp == skippedTemp) || raw.humSkipped() != (raw.hum == skippedHum) {
			t.Errorf("parseRaw(%x) = %+v", data, raw)
		}
		if raw.humSkipped() && got[1].Quality != drivers.Bad {
			t.Errorf("skipped humidity read as %+v", got[1])
		}
		closeAll(t, d, pb)
	})
}
