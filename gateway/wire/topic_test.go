package wire

import (
	"strings"
	"testing"
)

func TestTopicRoundTrip(t *testing.T) {
	for _, k := range append(append([]Kind{}, UpKinds...), DownKinds...) {
		topic := Topic("acme-atl", "coldroom-1", k)
		if want := "lotsense/v1/acme-atl/coldroom-1/" + string(k); topic != want {
			t.Errorf("Topic = %q, want %q", topic, want)
		}
		site, gw, kind, err := ParseTopic(topic)
		if err != nil || site != "acme-atl" || gw != "coldroom-1" || kind != k {
			t.Errorf("ParseTopic(%q) = %q, %q, %q, %v", topic, site, gw, kind, err)
		}
		if k.Up() == k.Down() {
			t.Errorf("kind %q: up %v, down %v", k, k.Up(), k.Down())
		}
	}
}

func TestParseTopicRejects(t *testing.T) {
	long := strings.Repeat("a", MaxIDLen+1)
	bad := map[string]string{
		"empty":            "",
		"wrong prefix":     "lotsense/v2/acme-atl/coldroom-1/readings",
		"no prefix":        "acme-atl/coldroom-1/readings",
		"prefix only":      "lotsense/v1",
		"prefix case":      "Lotsense/v1/acme-atl/coldroom-1/readings",
		"too few levels":   "lotsense/v1/acme-atl/readings",
		"too many levels":  "lotsense/v1/acme-atl/coldroom-1/readings/x",
		"trailing slash":   "lotsense/v1/acme-atl/coldroom-1/readings/",
		"empty site":       "lotsense/v1//coldroom-1/readings",
		"plus wildcard":    "lotsense/v1/+/coldroom-1/readings",
		"hash wildcard":    "lotsense/v1/acme-atl/#",
		"hash in id":       "lotsense/v1/acme-atl/cold#1/readings",
		"dollar":           "lotsense/v1/$SYS/coldroom-1/readings",
		"uppercase site":   "lotsense/v1/ACME-atl/coldroom-1/readings",
		"uppercase kind":   "lotsense/v1/acme-atl/coldroom-1/Readings",
		"site too long":    "lotsense/v1/" + long + "/coldroom-1/readings",
		"gateway too long": "lotsense/v1/acme-atl/" + long + "/readings",
		"unknown kind":     "lotsense/v1/acme-atl/coldroom-1/telemetry",
		"empty kind":       "lotsense/v1/acme-atl/coldroom-1/",
		"dash first":       "lotsense/v1/-acme/coldroom-1/readings",
		"space":            "lotsense/v1/acme atl/coldroom-1/readings",
		"shared sub":       "$share/g/lotsense/v1/acme-atl/coldroom-1/readings",
	}
	for name, topic := range bad {
		if s, g, k, err := ParseTopic(topic); err == nil {
			t.Errorf("%s: ParseTopic(%q) = %q, %q, %q, want an error", name, topic, s, g, k)
		} else if !strings.HasPrefix(err.Error(), "wire: ") {
			t.Errorf("%s: error %q lacks the package prefix", name, err)
		}
	}
}

func TestCheckID(t *testing.T) {
	good := []string{"a", "0", "acme-atl", "coldroom-1", "dock_3.north", "9z", strings.Repeat("x", MaxIDLen)}
	for _, id := range good {
		if err := CheckID("site", id); err != nil {
			t.Errorf("CheckID(%q): %v", id, err)
		}
	}
	bad := []string{"", "-a", ".a", "_a", "A", "acme/atl", "acme+", "acme#", "$sys", "é", "a b", "a\x00",
		strings.Repeat("x", MaxIDLen+1)}
	for _, id := range bad {
		err := CheckID("gateway", id)
		if err == nil || !strings.Contains(err.Error(), "gateway id") {
			t.Errorf("CheckID(%q) = %v, want an error naming the gateway id", id, err)
		}
	}
}

func TestSubscription(t *testing.T) {
	if got := Subscription(KindReadings, ""); got != "lotsense/v1/+/+/readings" {
		t.Errorf("Subscription = %q", got)
	}
	if got := Subscription(KindStatus, "cloud"); got != "$share/cloud/lotsense/v1/+/+/status" {
		t.Errorf("shared Subscription = %q", got)
	}
	if Kind("telemetry").Up() || Kind("telemetry").Down() {
		t.Error("unknown kind is up or down")
	}
}
