package aht20

import (
	_ "embed"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
	periph "periph.io/x/devices/v3/aht20"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		errs []string // each a whole *ConfigError text
	}{
		{Options{}, nil},
		{Options{Bus: "I2C1", Address: 0x38, ReadTimeout: time.Second, PollInterval: time.Second}, nil},
		{Options{Bus: "/dev/i2c-0"}, nil},
		{Options{Bus: "i2c1"}, []string{`aht20: bus: "i2c1" is not an I²C bus name (want "" for the first bus, a number like 1, /dev/i2c-1 or I2C1)`}},
		{Options{Address: 0x39}, []string{"aht20: address: 0x39 is not an AHT20 address (want 0x38, the only one)"}},
		{Options{ReadTimeout: -time.Second}, []string{"aht20: read_timeout: -1s is out of range (want 0 for the default 150ms, up to 5s)"}},
		{Options{ReadTimeout: time.Minute}, []string{"aht20: read_timeout: 1m0s is out of range (want 0 for the default 150ms, up to 5s)"}},
		{Options{PollInterval: time.Second}, []string{"aht20: poll_interval: 1s is out of range (want 0 for the default 10ms, up to read_timeout 150ms)"}},
	} {
		err := tc.opts.Validate()
		var got []string
		if err != nil {
			got = strings.Split(err.Error(), "\n")
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
	c, err := Options{}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if c.opts != (periph.Opts{MeasurementReadTimeout: DefaultReadTimeout, MeasurementWaitInterval: DefaultPollInterval, ValidateData: true}) {
		t.Errorf("resolved %+v", c)
	}
	if c.opts != periph.DefaultOpts {
		t.Errorf("defaults %+v differ from periph's %+v", c.opts, periph.DefaultOpts)
	}
}

//go:embed sample.yaml
var sampleYAML string

// The sample configuration is quoted in the README and must stay valid.
func TestSampleConfig(t *testing.T) {
	var cfg struct {
		AHT20 Options `yaml:"aht20"`
	}
	if err := yaml.Unmarshal([]byte(sampleYAML), &cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.AHT20.Validate(); err != nil {
		t.Fatal(err)
	}
	if w := (Options{Bus: "1", Address: 0x38, ReadTimeout: 150 * time.Millisecond, PollInterval: 10 * time.Millisecond}); cfg.AHT20 != w {
		t.Errorf("sample parsed as %+v, want %+v", cfg.AHT20, w)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), sampleYAML) {
		t.Error("README.md does not quote sample.yaml verbatim")
	}
}
