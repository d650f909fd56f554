package w1

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/ds18b20"
)

var t0 = time.Date(2025, 7, 1, 6, 0, 0, 0, time.UTC)

func TestPollTestdata(t *testing.T) {
	root := filepath.Join("testdata", "devices")
	for _, tc := range []struct {
		id, name string
		want     float64
		q        drivers.Quality
		err      error
		msg      string // the error names the probe, bus master and file
	}{
		{"28-0316a1b2c3ff", "good (symlinked to its bus master)", 23.187, drivers.Good, nil, ""},
		{"28-0000000000c1", "crc NO", 0, drivers.Bad, ds18b20.ErrCRC, "28-0000000000c1/w1_slave): scratchpad CRC mismatch"},
		{"28-0000000000c2", "85000", 0, drivers.Bad, ds18b20.ErrPowerOn, "28-0000000000c2/w1_slave): power-on value"},
		{"28-0000000000c3", "no w1_slave", 0, drivers.Unavailable, fs.ErrNotExist, "28-0000000000c3/w1_slave): read: open"},
		{"28-0000000000c4", "garbage", 0, drivers.Bad, ErrGarbled, `w1: unexpected text: "w1_slave_show`},
		{"28-0000000000c5", "temperature file only", 4.25, drivers.Good, nil, ""},
		{"28-0000000000c6", "all zeros", 0, drivers.Unavailable, ds18b20.ErrBusLow, "all zeros"},
		{"28-0000000000c7", "disconnected", 0, drivers.Unavailable, ds18b20.ErrNoResponse, "no response"},
		{"28-00000000dead", "no directory", 0, drivers.Unavailable, fs.ErrNotExist, "28-00000000dead): the kernel does not list the probe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New(Options{Root: root, ID: tc.id})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			rs, err := d.Poll(context.Background(), t0, []drivers.Reading{{Sensor: "earlier"}})
			if len(rs) != 2 || rs[0].Sensor != "earlier" {
				t.Fatalf("Poll returned %+v", rs)
			}
			r := rs[1]
			if r.Quantity != drivers.Temperature || !r.Time.Equal(t0) || r.Value != tc.want || r.Quality != tc.q {
				t.Errorf("reading %+v, want %v %v", r, tc.want, tc.q)
			}
			if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Errorf("error %v, want %v", err, tc.err)
			}
			if err != nil && (!strings.HasPrefix(err.Error(), "ds18b20: probe "+tc.id+" (") || !strings.Contains(err.Error(), tc.msg)) {
				t.Errorf("error %q, want one naming the probe and saying %q", err, tc.msg)
			}
		})
	}
}

// The probe's bus master, from the kernel's symlink, appears in errors.
func TestErrorNamesBusMaster(t *testing.T) {
	dir := t.TempDir()
	master := filepath.Join(dir, "w1_bus_master1", "28-0000000000aa")
	if err := os.MkdirAll(master, 0o755); err != nil {
		t.Fatal(err)
	}
	devices := filepath.Join(dir, "devices")
	os.Mkdir(devices, 0o755)
	if err := os.Symlink(master, filepath.Join(devices, "28-0000000000aa")); err != nil {
		t.Fatal(err)
	}
	d, _ := New(Options{Root: devices, ID: "28-0000000000AA"})
	_, err := d.Poll(context.Background(), t0, nil)
	want := "ds18b20: probe 28-0000000000aa (w1_bus_master1, " + devices + "/28-0000000000aa/w1_slave): read: open"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %v, want %q…", err, want)
	}
}

func TestPollContextAndClose(t *testing.T) {
	d, _ := New(Options{Root: filepath.Join("testdata", "devices"), ID: "28-0316a1b2c3ff"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if rs, err := d.Poll(ctx, t0, nil); !errors.Is(err, context.Canceled) || rs[0].Quality != drivers.Unavailable {
		t.Errorf("Poll with a cancelled context: %+v, %v", rs, err)
	}
	d.Close()
	if rs, err := d.Poll(context.Background(), t0, nil); !errors.Is(err, ds18b20.ErrClosed) || rs[0].Quality != drivers.Unavailable {
		t.Errorf("Poll after Close: %+v, %v", rs, err)
	}
	if got := d.String(); got != "ds18b20 28-0316a1b2c3ff on w1 (testdata/devices)" {
		t.Errorf("String() = %q", got)
	}
}

func TestValidate(t *testing.T) {
	c, err := Options{ID: "28-0316A1B2C3FF"}.resolve()
	if err != nil || c.root != DefaultRoot || c.id != "28-0316a1b2c3ff" {
		t.Errorf("resolve = %+v, %v", c, err)
	}
	for id, want := range map[string]string{
		"":                  "ds18b20: id: \"\" is empty",
		"28-0316a1b2c3":     "is not a w1 slave name",
		"280316a1b2c3ff":    "is not a w1 slave name",
		"28-0316a1b2c3fg":   "is not a w1 slave name",
		"28-../../etc/pass": "is not a w1 slave name",
		"10-0316a1b2c3ff":   "family code 10, not 28",
	} {
		err := Options{ID: id}.Validate()
		var ce *ds18b20.ConfigError
		if !errors.As(err, &ce) || ce.Field != "id" || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate(%q) = %v, want %q", id, err, want)
		}
		if _, err := New(Options{ID: id}); err == nil {
			t.Errorf("New(%q) accepted", id)
		}
	}
}

// The w1 probe of the package's sample configuration (quoted in its README) is valid.
func TestSampleConfig(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "sample.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Sensors []struct {
			W1 *Options `yaml:"w1"`
		} `yaml:"sensors"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range cfg.Sensors {
		if s.W1 != nil {
			n++
			if err := s.W1.Validate(); err != nil || s.W1.ID != "28-0316a1b2c3ff" {
				t.Errorf("%+v: %v", *s.W1, err)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d w1 probes in the sample, want 1", n)
	}
}
