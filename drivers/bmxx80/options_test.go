package bmxx80

import (
	_ "embed"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
	bmx "periph.io/x/devices/v3/bmxx80"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		errs []string // each a whole *ConfigError text
	}{
		{Options{}, nil},
		{Options{Bus: "1", Address: 0x77, Oversampling: Oversampling{16, 2}, Filter: 16, Standby: time.Second}, nil},
		{Options{Bus: "/dev/i2c-11"}, nil},
		{Options{Bus: "I2C0"}, nil},
		{Options{Bus: "i2c-1"}, []string{`bmxx80: bus: "i2c-1" is not an I²C bus name (want "" for the first bus, a number like 1, /dev/i2c-1 or I2C1)`}},
		{Options{Bus: "/dev/i2c-I2C1"}, []string{`bmxx80: bus: "/dev/i2c-I2C1" is not an I²C bus name (want "" for the first bus, a number like 1, /dev/i2c-1 or I2C1)`}},
		{Options{Address: 0x18}, []string{"bmxx80: address: 0x18 is not a BME280 address (want 0x76 or 0x77)"}},
		{Options{Oversampling: Oversampling{Temperature: 3, Humidity: -1}}, []string{
			"bmxx80: oversampling.temperature: 3 is not an oversampling factor (want 1, 2, 4, 8 or 16)",
			"bmxx80: oversampling.humidity: -1 is not an oversampling factor (want 1, 2, 4, 8 or 16)",
		}},
		{Options{Filter: 3}, []string{"bmxx80: filter: 3 is not a filter coefficient (want 0 for off, 2, 4, 8 or 16)"}},
		{Options{Standby: time.Second}, []string{"bmxx80: standby: 1s needs a filter: without one the chip measures once per poll (forced mode)"}},
		{Options{Filter: 2, Standby: -time.Second}, []string{"bmxx80: standby: -1s is negative"}},
	} {
		err := tc.opts.Validate()
		var got []string
		if err != nil {
			for _, e := range strings.Split(err.Error(), "\n") {
				got = append(got, e)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Errorf("%+v: %v is not a *ConfigError", tc.opts, err)
			}
		}
		if strings.Join(got, "\n") != strings.Join(tc.errs, "\n") {
			t.Errorf("%+v: Validate() = %v, want %q", tc.opts, err, tc.errs)
		}
		if _, nerr := New(nil, tc.opts); (nerr == nil) != (err == nil) {
			t.Errorf("%+v: New error %v, Validate %v", tc.opts, nerr, err)
		}
	}
}

func TestDefaults(t *testing.T) {
	c, err := Options{Filter: 8}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	wantOpts := bmx.Opts{Temperature: bmx.O1x, Pressure: bmx.Off, Humidity: bmx.O1x, Filter: bmx.F8, Standby: DefaultStandby}
	if c.addr != AddressLow || c.opts != wantOpts {
		t.Errorf("resolved %+v", c)
	}
}

//go:embed sample.yaml
var sampleYAML string

// The sample configuration is quoted in the README and must stay valid.
func TestSampleConfig(t *testing.T) {
	var cfg struct {
		BME280 Options `yaml:"bme280"`
	}
	if err := yaml.Unmarshal([]byte(sampleYAML), &cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.BME280.Validate(); err != nil {
		t.Fatal(err)
	}
	if w := (Options{Bus: "1", Address: 0x76, Oversampling: Oversampling{1, 1}}); cfg.BME280 != w {
		t.Errorf("sample parsed as %+v, want %+v", cfg.BME280, w)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), sampleYAML) {
		t.Error("README.md does not quote sample.yaml verbatim")
	}
}
