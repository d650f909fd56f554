package downlink

import (
	"context"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/lotsense/lotsense/cloud/broker"
	"github.com/lotsense/lotsense/gateway/wire"
)

func TestNextConfigVersion(t *testing.T) {
	now := time.Date(2026, 3, 14, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600)) // 2026-03-15 in UTC
	for _, c := range []struct{ newest, want string }{
		{"", "2026-03-15.1"},
		{"2026-03-14.7", "2026-03-15.1"},
		{"2026-03-15.1", "2026-03-15.2"},
		{"2026-03-15.9", "2026-03-15.10"},
		{"2026-04-01.3", "2026-04-01.4"}, // a clock behind the last version's date
		{"2026-03-15", "2026-03-15.1"},
		{"2026-03-16", "2026-03-17"},
		{"2026-03-15.999999999999999999", "2026-03-15.999999999999999999.1"},
	} {
		got := NextConfigVersion(c.newest, now)
		if got != c.want {
			t.Errorf("NextConfigVersion(%q) = %q, want %q", c.newest, got, c.want)
		}
		if wire.CompareConfigVersions(got, c.newest) <= 0 {
			t.Errorf("NextConfigVersion(%q) = %q is not newer", c.newest, got)
		}
	}
}

func connect(t *testing.T, url, id string) paho.Client {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(id).SetAutoReconnect(false))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("%s: connect: %v", id, tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	return c
}

// Through the embedded broker: each push is retained with the YAML's SHA-256 and a
// version newer than the retained configuration and than the one the gateway says it
// runs; a version given that is not newer is refused; AwaitRunning sees the gateway's
// status.
func TestPushConfig(t *testing.T) {
	b := startBroker(t, broker.Options{})
	ctx := context.Background()
	cloud := connect(t, b.URL(), "cloud-config")
	now := time.Date(2026, 3, 14, 6, 0, 0, 0, time.UTC)
	yaml := []byte("site: s1\ngateway: g1\n")
	push := func(version string) (string, error) {
		return PushConfig(ctx, cloud, ConfigPush{Site: "s1", Gateway: "g1", YAML: yaml, Version: version, Now: now, Listen: 200 * time.Millisecond})
	}
	retained := func() *wire.Config {
		t.Helper()
		got := make(chan []byte, 1)
		c := connect(t, b.URL(), "reader-"+time.Now().Format("150405.000000"))
		c.Subscribe(wire.Topic("s1", "g1", wire.KindConfig), 1, func(_ paho.Client, m paho.Message) {
			select {
			case got <- m.Payload():
			default:
			}
		})
		select {
		case p := <-got:
			m, err := wire.DecodeConfig(p)
			if err != nil {
				t.Fatalf("retained configuration: %v", err)
			}
			return m
		case <-time.After(5 * time.Second):
			t.Fatal("no retained configuration")
			return nil
		}
	}

	for _, want := range []string{"2026-03-14.1", "2026-03-14.2"} {
		v, err := push("")
		if err != nil || v != want {
			t.Fatalf("push: %q, %v; want %s", v, err, want)
		}
		if m := retained(); m.Version != want || m.YAML != string(yaml) || !m.Time.Equal(now) {
			t.Fatalf("retained %+v, want version %s", m, want)
		}
	}
	// The gateway says it runs a newer one (pushed by another cloud, from a clock ahead).
	gw := connect(t, b.URL(), "gateway-g1")
	st, _ := wire.Encode(&wire.Status{V: wire.Version, Site: "s1", Gateway: "g1", Boot: "b", State: wire.StateOnline, Time: now, Config: "2026-03-20.4"})
	if tok := gw.Publish(wire.Topic("s1", "g1", wire.KindStatus), 1, true, st); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	if v, err := push(""); err != nil || v != "2026-03-20.5" {
		t.Fatalf("push after the gateway reported 2026-03-20.4: %q, %v", v, err)
	}
	if _, err := push("2026-03-20.5"); err == nil || !strings.Contains(err.Error(), "not newer") {
		t.Fatalf("an equal version given: %v, want refused", err)
	}
	if _, err := push("v9"); err == nil {
		t.Fatal("a version of letters was published")
	}
	if v, err := push("2027"); err != nil || v != "2027" || retained().Version != "2027" {
		t.Fatalf("a newer version given: %q, %v", v, err)
	}
	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := AwaitRunning(actx, cloud, "s1", "g1", "2026-03-20.4", time.Second); err != nil {
		t.Errorf("AwaitRunning of the version the gateway reports: %v", err)
	}
	short, cancel2 := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel2()
	if err := AwaitRunning(short, cloud, "s1", "g1", "2027", time.Second); err == nil {
		t.Error("AwaitRunning of a version the gateway does not report returned nil")
	}
}
