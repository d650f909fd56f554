package fwconfig

import (
	"regexp"
	"strings"
	"testing"
)

// TestAPIListen checks api.listen: the default, "off" and "" turning the API off, and
// host:port in the loader and in the schema alike.
func TestAPIListen(t *testing.T) {
	c, err := Parse("minimal.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if c.API.Listen != DefaultAPIListen || !c.API.Enabled() {
		t.Errorf("api default: %+v, enabled %v; want %s", c.API, c.API.Enabled(), DefaultAPIListen)
	}
	re := apiPattern(t)
	tests := []struct {
		listen  string
		enabled bool
		ok      bool
	}{
		{"127.0.0.1:9108", true, true},
		{"0.0.0.0:9108", true, true},
		{"[::1]:9108", true, true},
		{"localhost:0", true, true},
		{"", false, true},
		{"off", false, true},
		{"localhost", false, false},
		{":9108", false, false},
		{"127.0.0.1:http", false, false},
		{"127.0.0.1:70000", false, false},
		{"::1:9108", false, false},
	}
	for _, tt := range tests {
		c, err := Parse("api.yaml", []byte(minimal+"api:\n  listen: \""+tt.listen+"\"\n"))
		if (err == nil) != tt.ok {
			t.Errorf("api.listen %s: err %v, want ok %v", tt.listen, err, tt.ok)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), "api.yaml:") {
			t.Errorf("api.listen %s: %v lacks the place", tt.listen, err)
		}
		if err == nil && c.API.Enabled() != tt.enabled {
			t.Errorf("api.listen %s: enabled %v, want %v", tt.listen, c.API.Enabled(), tt.enabled)
		}
		if tt.listen != "127.0.0.1:70000" && re.MatchString(tt.listen) != tt.ok {
			t.Errorf("schema pattern %s on %q: match %v, want %v", re, tt.listen, !tt.ok, tt.ok)
		}
	}
}

func apiPattern(t *testing.T) *regexp.Regexp {
	t.Helper()
	api := loadSchema(t)["$defs"].(map[string]any)["api"].(map[string]any)
	listen := api["properties"].(map[string]any)["listen"].(map[string]any)
	return regexp.MustCompile(listen["pattern"].(string))
}
