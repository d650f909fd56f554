package fwconfig

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/modbus"
)

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile("config.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("config.schema.json: %v", err)
	}
	return s
}

// resolve follows a local "$ref": "#/$defs/name".
func resolve(t *testing.T, root, s map[string]any) map[string]any {
	t.Helper()
	ref, ok := s["$ref"].(string)
	if !ok {
		return s
	}
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	def, _ := root["$defs"].(map[string]any)[name].(map[string]any)
	if !ok || def == nil {
		t.Fatalf("schema: unresolvable $ref %q", ref)
	}
	return def
}

// TestSchemaMatchesTypes walks the Go types by their yaml tags and the schema by its
// properties, side by side: every key one accepts the other must accept too.
func TestSchemaMatchesTypes(t *testing.T) {
	root := loadSchema(t)
	if root["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v, want draft 2020-12", root["$schema"])
	}
	compareSchema(t, root, root, reflect.TypeFor[Config](), "")
}

func compareSchema(t *testing.T, root, s map[string]any, typ reflect.Type, path string) {
	s = resolve(t, root, s)
	if s["additionalProperties"] != false {
		t.Errorf("schema %s: want additionalProperties: false, so unknown keys are flagged as the loader does", orRoot(path))
	}
	props, _ := s["properties"].(map[string]any)
	names, index := yamlFields(typ)
	for _, name := range names {
		p := joinPath(path, name)
		sub, ok := props[name].(map[string]any)
		if !ok {
			t.Errorf("schema: %s is accepted by the Go types but missing from config.schema.json", p)
			continue
		}
		ft := typ.Field(index[name]).Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Slice {
			sub = resolve(t, root, sub)
			items, ok := sub["items"].(map[string]any)
			if !ok {
				t.Errorf("schema: %s is a list in Go but has no items in the schema", p)
				continue
			}
			sub, ft, p = items, ft.Elem(), p+"[]"
		}
		if ft.Kind() == reflect.Struct && !ft.Implements(wanterType) {
			compareSchema(t, root, sub, ft, p)
		}
	}
	for name := range props {
		if !slices.Contains(names, name) {
			t.Errorf("schema: %s is in config.schema.json but the Go types do not accept it", joinPath(path, name))
		}
	}
}

func orRoot(path string) string {
	if path == "" {
		return "(root)"
	}
	return path
}

// schemaEnum returns the enum of the property at a path of $defs/properties names.
func schemaEnum(t *testing.T, root map[string]any, def, prop string) []string {
	t.Helper()
	d := root["$defs"].(map[string]any)[def].(map[string]any)
	p := d["properties"].(map[string]any)[prop].(map[string]any)
	var out []string
	for _, v := range p["enum"].([]any) {
		out = append(out, v.(string))
	}
	return out
}

func TestSchemaEnums(t *testing.T) {
	root := loadSchema(t)
	shipped, err := ShippedProfiles()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := schemaEnum(t, root, "modbus", "profile"), append(shipped.Names(), modbus.ProfileNames()...); !sameSet(got, want) {
		t.Errorf("schema modbus.profile enum = %v, want the device profiles and the driver's %v", got, want)
	}
	for _, q := range schemaEnum(t, root, "point", "quantity") {
		if _, err := drivers.ParseQuantity(q); err != nil && q != modbus.SetpointQuantity {
			t.Errorf("schema point.quantity enum: %v", err)
		}
	}
	for q := drivers.Quantity(1); q.Valid(); q++ {
		if !slices.Contains(schemaEnum(t, root, "point", "quantity"), q.String()) {
			t.Errorf("schema point.quantity enum lacks %s", q)
		}
	}
	kinds := []string{KindColdRoom, KindTruck, KindDockDoor, KindAmbient}
	if got := schemaEnum(t, root, "location", "kind"); !sameSet(got, kinds) {
		t.Errorf("schema location.kind enum = %v, want %v", got, kinds)
	}
	var types []string
	for _, st := range sensorTypes() {
		types = append(types, st.name)
	}
	if got := schemaEnum(t, root, "sensor", "type"); !sameSet(got, types) {
		t.Errorf("schema sensor.type enum = %v, want %v", got, types)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(a, b)
}

// TestSchemaPatterns checks the schema's patterns against values the loader accepts and
// rejects, so the editor and the loader agree on them.
func TestSchemaPatterns(t *testing.T) {
	defs := loadSchema(t)["$defs"].(map[string]any)
	pattern := func(def string, path ...string) *regexp.Regexp {
		m := defs[def].(map[string]any)
		for _, p := range path {
			m = m["properties"].(map[string]any)[p].(map[string]any)
		}
		return regexp.MustCompile(m["pattern"].(string))
	}
	tests := []struct {
		re        *regexp.Regexp
		ok, notOK []string
	}{
		{pattern("id"), []string{"a", "demo-site", "cold-room.1_b"}, []string{"", "-a", "A", "a b", strings.Repeat("a", 65)}},
		{pattern("duration"), []string{"10s", "1m30s", "250ms", "0", "1.5h"}, []string{"ten", "10", ""}},
		{pattern("mqtt", "broker"), []string{"tcp://127.0.0.1:1883", "mqtts://mqtt.example.com:8883"}, []string{"http://x:1", "tcp://x"}},
		{pattern("lot", "lot"), []string{"L1", `!"%&'()*+,-./:;<=>?_`}, []string{"", "LOT 1", "a#", strings.Repeat("A", 21)}},
	}
	for _, tt := range tests {
		for _, s := range tt.ok {
			if !tt.re.MatchString(s) {
				t.Errorf("pattern %s rejects %q", tt.re, s)
			}
		}
		for _, s := range tt.notOK {
			if tt.re.MatchString(s) {
				t.Errorf("pattern %s accepts %q", tt.re, s)
			}
		}
	}
}
