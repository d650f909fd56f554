package modbus

import (
	_ "embed"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestValidateErrors(t *testing.T) {
	good := func() Options {
		return Options{Address: "10.0.0.7", UnitID: 1, Points: []Point{
			{Quantity: "temperature", Scale: 0.1},
			{Quantity: "humidity", Register: 1, Type: "uint16"},
		}}
	}
	tests := []struct {
		name   string
		modify func(*Options)
		point  int
		field  string
		text   string
	}{
		{"empty address", func(o *Options) { o.Address = "" }, -1, "address", "modbus: address: is empty"},
		{"port out of range", func(o *Options) { o.Address = "10.0.0.7:99999" }, -1, "address", "port"},
		{"too many colons", func(o *Options) { o.Address = "a:b:c" }, -1, "address", "not host:port"},
		{"no host", func(o *Options) { o.Address = ":502" }, -1, "address", "no host"},
		{"unit 0", func(o *Options) { o.UnitID = 0 }, -1, "unit_id", "0 is not a unit id"},
		{"unit 248", func(o *Options) { o.UnitID = 248 }, -1, "unit_id", "248"},
		{"negative timeout", func(o *Options) { o.Timeout = -time.Second }, -1, "timeout", "negative"},
		{"unknown profile", func(o *Options) { o.Profile, o.Points = "th-transmiter", nil }, -1, "profile", "reefer-controller, th-transmitter"},
		{"no points", func(o *Options) { o.Points = nil }, -1, "points", "no points and no profile"},
		{"unknown quantity", func(o *Options) { o.Points[1].Quantity = "temp" }, 1, "quantity", `points[1] (temp) quantity: drivers: unknown quantity "temp"`},
		{"unknown table", func(o *Options) { o.Points[0].Table = "coils" }, 0, "table", `unknown table "coils"`},
		{"unknown type", func(o *Options) { o.Points[1].Type = "int8" }, 1, "type", `points[1] (humidity) type: unknown type "int8"`},
		{"register overflow", func(o *Options) { o.Points[0].Type, o.Points[0].Register = "int32", 65535 }, 0, "register", "runs past"},
		{"NaN scale", func(o *Options) { o.Points[0].Scale = math.NaN() }, 0, "scale", "not a finite"},
		{"Inf offset", func(o *Options) { o.Points[0].Offset = math.Inf(1) }, 0, "offset", "not a finite"},
		{"min above max", func(o *Options) { o.Points[1].Min, o.Points[1].Max = f64(5), f64(1) }, 1, "min", "above max"},
		{"impossible fault", func(o *Options) { o.Points[1].Fault = []int64{70000} }, 1, "fault", "70000 can never be read from a uint16"},
		{"duplicate quantity", func(o *Options) { o.Points[1].Quantity = "temperature" }, 1, "quantity", "points[0] already measures temperature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := good()
			tt.modify(&o)
			err := o.Validate()
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Validate() = %v, want a *ConfigError", err)
			}
			if ce.Point != tt.point || ce.Field != tt.field || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("Validate() = %q (point %d field %q), want point %d field %q containing %q",
					err, ce.Point, ce.Field, tt.point, tt.field, tt.text)
			}
			if !strings.HasPrefix(err.Error(), "modbus: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
			if _, err := New(o); err == nil {
				t.Error("New accepted options Validate rejects")
			}
		})
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("good options: %v", err)
	}
}

func TestValidateReportsEverything(t *testing.T) {
	err := Options{}.Validate()
	for _, field := range []string{"address", "unit_id", "points"} {
		if !strings.Contains(err.Error(), "modbus: "+field+":") {
			t.Errorf("Validate() = %q, missing %s", err, field)
		}
	}
}

func TestResolveDefaults(t *testing.T) {
	c, err := Options{Address: "10.0.0.7", UnitID: 255, Profile: "th-transmitter"}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if c.address != "10.0.0.7:502" || c.timeout != DefaultTimeout || len(c.points) != 2 {
		t.Errorf("resolve = %+v", c)
	}
	c, err = Options{Address: "::1", UnitID: 1, Profile: "reefer-controller",
		Points: []Point{{Quantity: "door_open", Register: 9}}}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if c.address != "[::1]:502" || len(c.points) != 1 || c.points[0].Register != 9 {
		t.Errorf("points should replace the profile: %+v", c)
	}
}

func TestProfilesAreCopies(t *testing.T) {
	ps, ok := Profile("th-transmitter")
	if !ok || len(ps) != 2 {
		t.Fatalf("Profile(th-transmitter) = %v, %v", ps, ok)
	}
	ps[0].Fault[0], *ps[1].Max, ps[0].Register = 1, 1, 9
	again, _ := Profile("th-transmitter")
	if again[0].Fault[0] != 32767 || *again[1].Max != 100 || again[0].Register != 0 {
		t.Errorf("Profile returned shared data: %+v", again)
	}
	for _, name := range ProfileNames() {
		if err := (Options{Address: "h", UnitID: 1, Profile: name}).Validate(); err != nil {
			t.Errorf("profile %s: %v", name, err)
		}
	}
	if _, ok := Profile("nope"); ok {
		t.Error("Profile(nope) exists")
	}
}

//go:embed sample.yaml
var sampleYAML string

// The sample configuration is quoted in the README and must stay valid.
func TestSampleConfig(t *testing.T) {
	var cfg struct {
		Modbus Options `yaml:"modbus"`
	}
	if err := yaml.Unmarshal([]byte(sampleYAML), &cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Modbus.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Modbus.Timeout != time.Second || len(cfg.Modbus.Points) != 2 || *cfg.Modbus.Points[0].Min != -50 {
		t.Errorf("sample parsed as %+v", cfg.Modbus)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), sampleYAML) {
		t.Error("README.md does not quote sample.yaml verbatim")
	}
}
