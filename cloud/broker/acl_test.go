package broker

import (
	"os"
	"testing"
)

func TestACL(t *testing.T) {
	a, err := ParseACL(DefaultACL + "\nuser auditor\ntopic read lotsense/#\ntopic deny lotsense/v1/secret/#\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		user, topic string
		write, want bool
	}{
		{"s/g", "lotsense/v1/s/g/readings", true, true},
		{"s/g", "lotsense/v1/s/g/status", true, true},
		{"s/g", "lotsense/v1/s/g/readings", false, false}, // no reading back its own up topics
		{"s/g", "lotsense/v1/s/h/readings", true, false},
		{"s/g", "lotsense/v1/t/g/readings", true, false},
		{"s/g", "lotsense/v1/s/g/holds", true, false},
		{"s/g", "lotsense/v1/s/g/holds", false, true},
		{"s/g", "lotsense/v1/s/g/+", false, true}, // a filter that can deliver its own
		{"s/g", "lotsense/v1/s/+/holds", false, true},
		{"s/g", "lotsense/v1/s/h/holds", false, false},
		{"s/g", "lotsense/v1/s/h/#", false, false},
		{"s/g", "#", false, true},
		{"s/g", "lotsense/v1/s/g/+", true, false}, // never publish to a filter
		{"s/g", "lotsense/v1/s/g/readings/x", true, false},
		{"cloud", "lotsense/v1/s/g/readings", false, true},
		{"cloud", "lotsense/v1/+/+/readings", false, true},
		{"cloud", "lotsense/v1/s/g/readings", true, false},
		{"cloud", "lotsense/v1/s/g/holds", true, true},
		{"cloud", "lotsense/v1/s/alerts", true, true},
		{"cloud", "lotsense/v1/cloud/g/readings", true, false}, // its patterns name no lotsense topic
		{"+/+", "lotsense/v1/s/g/readings", true, false},       // no substitution of wildcards
		{"#", "lotsense/v1/s/g/readings", true, false},
		{"", "lotsense/v1/s/g/readings", true, false},
		{"s/g", "$SYS/broker/uptime", false, false},
		{"auditor", "lotsense/v1/s/g/readings", false, true},
		{"auditor", "lotsense/v1/secret/g/readings", false, false},
		{"auditor", "lotsense/v1/secret/#", false, false},
		{"auditor", "$SYS/x", false, false},
	} {
		if got := a.Allowed(c.user, "id", c.topic, c.write); got != c.want {
			t.Errorf("Allowed(%q, %q, write %v) = %v, want %v", c.user, c.topic, c.write, got, c.want)
		}
	}
	for _, bad := range []string{"topic", "user", "topic sometimes a/b", "include x"} {
		if _, err := ParseACL(bad); err == nil {
			t.Errorf("ParseACL(%q): no error", bad)
		}
	}
}

// The embedded ACL is a copy of deploy/mosquitto/acl.
func TestDefaultACLIsDeployed(t *testing.T) {
	data, err := os.ReadFile("../../deploy/mosquitto/acl")
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != DefaultACL {
		t.Fatal("cloud/broker/acl differs from deploy/mosquitto/acl: copy one over the other")
	}
}
