package gateway

import (
	"errors"
	"strings"
	"testing"

	"github.com/lotsense/lotsense/gateway/wire"
)

func TestDecodeHolds(t *testing.T) {
	good := `{"v":1,"site":"s1","version":7,"time":"2026-03-14T09:21:08Z","lots":["(01)09506000134352(10)L1"]}`
	m, err := DecodeHolds([]byte(good), "s1")
	if err != nil || m.Version != 7 || len(m.Lots) != 1 {
		t.Fatalf("%+v %v", m, err)
	}
	var h Holds
	if !h.apply(m) || !h.Held("(01)09506000134352(10)L1") || h.Held("(01)09506000134352(10)L2") {
		t.Fatal("hold list not applied")
	}
	if h.apply(&wire.Holds{Version: 7}) || h.apply(&wire.Holds{Version: 6}) || !h.Held("(01)09506000134352(10)L1") {
		t.Fatal("a hold list not newer than the one in force replaced it")
	}
	if got := h.AnyHeld([]string{"x", "(01)09506000134352(10)L1"}); len(got) != 1 {
		t.Fatalf("AnyHeld = %v", got)
	}
	for _, c := range []struct{ payload, want string }{
		{strings.Replace(good, `"s1"`, `"s2"`, 1), `hold list for site "s2"`},
		{strings.Replace(good, `(01)09506000134352(10)L1`, `L1`, 1), "lots[0]"},
		{strings.Replace(good, `"v":1`, `"v":2`, 1), "version"},
		{`[]`, "JSON object"},
	} {
		if _, err := DecodeHolds([]byte(c.payload), "s1"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.payload, err, c.want)
		}
	}
	if _, err := DecodeHolds([]byte(`{"v":2}`), "s1"); !errors.Is(err, wire.ErrUnknownVersion) {
		t.Errorf("v2: %v", err)
	}
}
