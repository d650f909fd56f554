package wire

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCompareConfigVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"2026-03-14.2", "2026-03-14.2", 0},
		{"2026-03-14.10", "2026-03-14.9", 1},
		{"2026-03-14.1", "2026-03-15.1", -1},
		{"2026-03-14", "2026-03-14.1", -1},
		{"7", "2026-01-01.1", -1},
		{"007", "7", 0},
		{"", "1", -1},
		{"", "", 0},
		{"bad", "1", -1}, // an unreadable version counts as none
	} {
		if got := CompareConfigVersions(c.a, c.b); got != c.want {
			t.Errorf("CompareConfigVersions(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := CompareConfigVersions(c.b, c.a); got != -c.want {
			t.Errorf("CompareConfigVersions(%q, %q) = %d, want %d", c.b, c.a, got, -c.want)
		}
	}
	for _, bad := range []string{"", "v1", "1..2", ".1", "1-", "1 2", "1.x", strings.Repeat("1", 19), strings.Repeat("1.", 32) + "1"} {
		if err := CheckConfigVersion(bad); err == nil {
			t.Errorf("CheckConfigVersion(%q) = nil, want an error", bad)
		}
	}
	for _, good := range []string{"1", "2026-03-14.2", "1.2.3", "0"} {
		if err := CheckConfigVersion(good); err != nil {
			t.Errorf("CheckConfigVersion(%q): %v", good, err)
		}
	}
}

// A configuration whose YAML does not match its SHA-256 (one byte changed on the way),
// or without a usable version, is refused as malformed; a sound one decodes.
func TestDecodeConfig(t *testing.T) {
	yaml := "site: s1\ngateway: g1\n"
	good := Config{V: Version, Version: "2026-03-14.1", Time: time.Date(2026, 3, 14, 6, 0, 0, 0, time.UTC),
		SHA256: ConfigSHA256(yaml), YAML: yaml}
	p, err := Encode(&good)
	if err != nil {
		t.Fatal(err)
	}
	c, err := DecodeConfig(p)
	if err != nil || c.YAML != yaml || c.Version != good.Version {
		t.Fatalf("DecodeConfig = %+v, %v", c, err)
	}
	for name, change := range map[string]func(*Config){
		"yaml changed":    func(c *Config) { c.YAML = strings.Replace(c.YAML, "g1", "g2", 1) },
		"no sha256":       func(c *Config) { c.SHA256 = "" },
		"no yaml":         func(c *Config) { c.YAML, c.SHA256 = "", ConfigSHA256("") },
		"no version":      func(c *Config) { c.Version = "" },
		"version letters": func(c *Config) { c.Version = "v2" },
	} {
		bad := good
		change(&bad)
		p, err := Encode(&bad)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeConfig(p); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: DecodeConfig error %v, want ErrMalformed", name, err)
		}
	}
	if _, err := DecodeConfig([]byte(`{"v": 2, "version": "1"}`)); !errors.Is(err, ErrUnknownVersion) {
		t.Errorf("v 2: %v, want ErrUnknownVersion", err)
	}
}
