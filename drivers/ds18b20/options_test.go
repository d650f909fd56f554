package ds18b20

import (
	_ "embed"
	"errors"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const (
	romA = "28ff641e821602bc" // family 28, serial ff641e821602, CRC bc
	romB = "28ffc3b2a116034b" // the probe the kernel calls 28-0316a1b2c3ff
)

func TestParseROM(t *testing.T) {
	a, err := ParseROM(romA)
	if err != nil {
		t.Fatal(err)
	}
	if a != 0xbc021682_1e64ff28 || a&0xff != Family {
		t.Errorf("ParseROM(%s) = %#x", romA, uint64(a))
	}
	if got := FormatROM(a); got != romA {
		t.Errorf("FormatROM = %s", got)
	}
	if _, err := ParseROM(strings.ToUpper(romB)); err != nil {
		t.Errorf("upper case: %v", err)
	}
	for in, want := range map[string]string{
		"":                   "empty",
		"28ff641e821602":     "not 16 hex digits",
		"28ff641e821602zz":   "not 16 hex digits",
		"28ff641e821602c4":   "fails its CRC (last byte c4, computed bc)",
		"10ff641e821602bc":   "family code 10",
		"bc0216821e64ff28":   "byte-reversed",
		"28-ff641e821602bc":  "not 16 hex digits",
		"0x28ff641e821602bc": "not 16 hex digits",
	} {
		_, err := ParseROM(in)
		if !errors.Is(err, ErrROM) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseROM(%q) = %v, want an ErrROM saying %q", in, err, want)
		}
	}
}

func TestValidate(t *testing.T) {
	c, err := Options{ROM: romA}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if c.bridge != 0x18 || c.resolution != 12 || c.bus != "" {
		t.Errorf("defaults: %+v", c)
	}
	for _, tc := range []struct {
		o    Options
		want []string
	}{
		{Options{}, []string{"ds18b20: rom: invalid ROM code: empty"}},
		{Options{ROM: romA, Resolution: 8}, []string{"ds18b20: resolution: 8 bits"}},
		{Options{ROM: romA, Resolution: 13}, []string{"resolution: 13 bits"}},
		{Options{ROM: romA, BridgeAddress: 0x76}, []string{"bridge_address: 0x76 is not a DS2482 address"}},
		{Options{ROM: romA, BridgeAddress: 0x1b}, []string{"bridge_address: 0x1b is a DS2482 address, but periph"}},
		{Options{ROM: "28", Resolution: 7, BridgeAddress: 1}, []string{"rom:", "resolution:", "bridge_address:"}},
	} {
		err := tc.o.Validate()
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: Validate() = %v, want %q", tc.o, err, w)
			}
		}
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%+v: %v is not a *ConfigError", tc.o, err)
		}
	}
}

//go:embed sample.yaml
var sampleYAML string

// The sample configuration is quoted in the README and must stay valid.
func TestSampleConfig(t *testing.T) {
	var cfg struct {
		Probes []struct {
			Sensor  string   `yaml:"sensor"`
			DS18B20 *Options `yaml:"ds18b20"`
			W1      *struct {
				Root string `yaml:"root"`
				ID   string `yaml:"id"`
			} `yaml:"w1"`
		} `yaml:"sensors"`
	}
	if err := yaml.Unmarshal([]byte(sampleYAML), &cfg); err != nil {
		t.Fatal(err)
	}
	var bridged, w1 int
	for _, p := range cfg.Probes {
		switch {
		case p.DS18B20 != nil:
			bridged++
			if err := p.DS18B20.Validate(); err != nil {
				t.Errorf("%s: %v", p.Sensor, err)
			}
			if p.DS18B20.BridgeAddress != 0x18 || p.DS18B20.Bus != "1" {
				t.Errorf("%s: parsed as %+v", p.Sensor, *p.DS18B20)
			}
		case p.W1 != nil:
			w1++ // validated by package w1's own test of this file
		}
	}
	if bridged != 2 || w1 != 1 {
		t.Errorf("sample has %d bridged and %d w1 probes, want 2 and 1", bridged, w1)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), sampleYAML) {
		t.Error("README.md does not quote sample.yaml verbatim")
	}
}
