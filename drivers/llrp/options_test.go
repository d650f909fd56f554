package llrp

import (
	"testing"
	"time"
)

func TestOptionsDefaults(t *testing.T) {
	for in, want := range map[string]string{
		"reader-1":       "reader-1:5084",
		"10.0.0.7":       "10.0.0.7:5084",
		"10.0.0.7:14150": "10.0.0.7:14150",
		"fe80::1":        "[fe80::1]:5084",
		"[fe80::1]":      "[fe80::1]:5084",
	} {
		if got := (Options{Address: in}).withDefaults().Address; got != want {
			t.Errorf("Address %q → %q, want %q", in, got, want)
		}
	}
	o := Options{Keepalive: time.Second}.withDefaults()
	if o.Silent != 3*time.Second || o.ROSpecID != 1 || o.MinBackoff <= 0 || o.MaxBackoff < o.MinBackoff {
		t.Errorf("defaults %+v", o)
	}
	if o := (Options{}).withDefaults(); o.Keepalive != 5*time.Second || o.Silent != 15*time.Second {
		t.Errorf("default keepalive %v silent %v, want 5s 15s", o.Keepalive, o.Silent)
	}
}
