package mcp9808

import (
	_ "embed"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
	periph "periph.io/x/devices/v3/mcp9808"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		errs []string // each a whole *ConfigError text
	}{
		{Options{}, nil},
		{Options{Bus: "I2C1", Address: 0x1F, Resolution: 0.25}, nil},
		{Options{Bus: "/dev/i2c-1", Address: 0x18, Resolution: 0.5}, nil},
		{Options{Bus: "-1"}, []string{`mcp9808: bus: "-1" is not an I²C bus name (want "" for the first bus, a number like 1, /dev/i2c-1 or I2C1)`}},
		{Options{Address: 0x17, Resolution: 0.1}, []string{
			"mcp9808: address: 0x17 is not an MCP9808 address (want 0x18 to 0x1f)",
			"mcp9808: resolution: 0.1 °C is not a resolution of the chip (want 0.0625, 0.125, 0.25 or 0.5)",
		}},
		{Options{Address: 0x20, Resolution: -0.5}, []string{
			"mcp9808: address: 0x20 is not an MCP9808 address (want 0x18 to 0x1f)",
			"mcp9808: resolution: -0.5 °C is not a resolution of the chip (want 0.0625, 0.125, 0.25 or 0.5)",
		}},
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
	if c.addr != DefaultAddress || c.opts != periph.DefaultOpts || c.conv != 250*time.Millisecond {
		t.Errorf("resolved %+v, periph's defaults %+v", c, periph.DefaultOpts)
	}
}

//go:embed sample.yaml
var sampleYAML string

// The sample configuration is quoted in the README and must stay valid.
func TestSampleConfig(t *testing.T) {
	var cfg struct {
		MCP9808 Options `yaml:"mcp9808"`
	}
	if err := yaml.Unmarshal([]byte(sampleYAML), &cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.MCP9808.Validate(); err != nil {
		t.Fatal(err)
	}
	if w := (Options{Bus: "1", Address: 0x18, Resolution: 0.0625}); cfg.MCP9808 != w {
		t.Errorf("sample parsed as %+v, want %+v", cfg.MCP9808, w)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), sampleYAML) {
		t.Error("README.md does not quote sample.yaml verbatim")
	}
}
