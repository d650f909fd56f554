package w1

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/ds18b20"
)

func TestParseW1Slave(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       float64
		q          drivers.Quality
		err        error
	}{
		{"good", "73 01 4b 46 7f ff 0d 10 41 : crc=41 YES\n73 01 4b 46 7f ff 0d 10 41 t=23187\n", 23.187, drivers.Good, nil},
		{"negative", "5e ff 4b 46 7f ff 02 10 b6 : crc=b6 YES\n5e ff 4b 46 7f ff 02 10 b6 t=-10125", -10.125, drivers.Good, nil},
		{"crc NO", "73 01 4b 46 7f ff 0d 10 42 : crc=41 NO\n73 01 4b 46 7f ff 0d 10 42 t=23187\n", 0, drivers.Bad, ds18b20.ErrCRC},
		{"YES but bytes fail the CRC", "73 01 4b 46 7f ff 0d 10 42 : crc=42 YES\n73 01 4b 46 7f ff 0d 10 42 t=23187\n", 0, drivers.Bad, ds18b20.ErrCRC},
		{"power-on 85000", "50 05 4b 46 7f ff 0c 10 1c : crc=1c YES\n50 05 4b 46 7f ff 0c 10 1c t=85000\n", 0, drivers.Bad, ds18b20.ErrPowerOn},
		{"kernel's bogus zeros", "00 00 00 00 00 00 00 00 00 : crc=00 YES\n00 00 00 00 00 00 00 00 00 t=0\n", 0, drivers.Unavailable, ds18b20.ErrBusLow},
		{"disconnected", "ff ff ff ff ff ff ff ff ff : crc=c9 NO\nff ff ff ff ff ff ff ff ff t=-62\n", 0, drivers.Unavailable, ds18b20.ErrNoResponse},
		{"-127 with a good CRC", "10 f8 4b 46 7f ff 10 10 88 : crc=88 YES\n10 f8 4b 46 7f ff 10 10 88 t=-127000\n", 0, drivers.Bad, ds18b20.ErrOutOfRange},
		{"one line", "73 01 4b 46 7f ff 0d 10 41 : crc=41 YES\n", 0, drivers.Bad, ErrGarbled},
		{"empty", "", 0, drivers.Bad, ErrGarbled},
		{"lines disagree", "73 01 4b 46 7f ff 0d 10 41 : crc=41 YES\n74 01 4b 46 7f ff 0d 10 41 t=23187\n", 0, drivers.Bad, ErrGarbled},
		{"not hex", "zz 01 4b 46 7f ff 0d 10 41 : crc=41 YES\nzz 01 4b 46 7f ff 0d 10 41 t=23187\n", 0, drivers.Bad, ErrGarbled},
		{"odd digits", "7 301 4b 46 7f ff 0d 10 41 : crc=41 YES\n7 301 4b 46 7f ff 0d 10 41 t=23187\n", 0, drivers.Bad, ErrGarbled},
		{"verdict", "73 01 4b 46 7f ff 0d 10 41 : crc=41 MAYBE\n73 01 4b 46 7f ff 0d 10 41 t=23187\n", 0, drivers.Bad, ErrGarbled},
		{"no t=", "73 01 4b 46 7f ff 0d 10 41 : crc=41 YES\n73 01 4b 46 7f ff 0d 10 41 x=23187\n", 0, drivers.Bad, ErrGarbled},
		{"t not a number", "73 01 4b 46 7f ff 0d 10 41 : crc=41 YES\n73 01 4b 46 7f ff 0d 10 41 t=NaN\n", 0, drivers.Bad, ErrGarbled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, q, err := judge(result{path: "x/w1_slave", text: tc.text})
			if v != tc.want || q != tc.q || !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Errorf("got %v, %v, %v; want %v, %v, %v", v, q, err, tc.want, tc.q, tc.err)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "ds18b20: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestParseTemperature(t *testing.T) {
	for _, tc := range []struct {
		text string
		want float64
		q    drivers.Quality
		err  error
	}{
		{"4250\n", 4.25, drivers.Good, nil},
		{"-18500", -18.5, drivers.Good, nil},
		{"85000\n", 0, drivers.Bad, ds18b20.ErrPowerOn},
		{"130000\n", 0, drivers.Bad, ds18b20.ErrOutOfRange},
		{"\n", 0, drivers.Bad, ErrGarbled},
		{"4.25\n", 0, drivers.Bad, ErrGarbled},
	} {
		v, q, err := judge(result{path: "x/temperature", text: tc.text})
		if v != tc.want || q != tc.q || !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
			t.Errorf("%q: got %v, %v, %v; want %v, %v, %v", tc.text, v, q, err, tc.want, tc.q, tc.err)
		}
	}
}

// Whatever the kernel (or a corrupted file) says, a Good reading is a plausible number.
func FuzzParseW1Slave(f *testing.F) {
	f.Add("73 01 4b 46 7f ff 0d 10 41 : crc=41 YES\n73 01 4b 46 7f ff 0d 10 41 t=23187\n")
	f.Add("50 05 4b 46 7f ff 0c 10 1c : crc=1c YES\n50 05 4b 46 7f ff 0c 10 1c t=85000\n")
	f.Add("ff ff ff ff ff ff ff ff ff : crc=c9 NO\nff ff ff ff ff ff ff ff ff t=-62\n")
	f.Add("00 00 00 00 00 00 00 00 00 : crc=00 YES\n00 00 00 00 00 00 00 00 00 t=0\n")
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, text string) {
		s, perr := ParseW1Slave(text)
		v, q, err := judge(result{path: "w1_slave", text: text})
		if (err == nil) != (q == drivers.Good) {
			t.Fatalf("quality %v with error %v", q, err)
		}
		if q != drivers.Good {
			if v != 0 {
				t.Fatalf("value %v on a %v reading", v, q)
			}
			return
		}
		if perr != nil || !s.CRCOK || math.IsNaN(v) || v < -55 || v > 125 || v == 85 {
			t.Fatalf("%q judged good as %v (sample %+v, %v)", text, v, s, perr)
		}
	})
}
