package gateway

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway/wire"
)

const edgeProfiles = `
profiles:
  - name: quick
    rules:
      - {name: high, kind: high, limit: 8, delay: 2m, clear_margin: 0.5}
      - {kind: offline, after: 5m}
`

func edgeConfig(t *testing.T, dir, profile string) *fwconfig.Config {
	t.Helper()
	pf := filepath.Join(dir, "profiles.yaml")
	if err := os.WriteFile(pf, []byte(edgeProfiles), 0o600); err != nil {
		t.Fatal(err)
	}
	src := `
site: edge-site
gateway: edge-gw
outbox: {dir: ` + filepath.Join(dir, "outbox") + `}
api: {listen: "off"}
rules: {profiles_file: ` + pf + `}
outputs:
  - {id: room-light, simulate: true}
locations:
  - id: room
    kind: cold_room
    profile: ` + profile + `
    alarm_output: room-light
    lots: [{gtin: "09506000134352", lot: EDGE-1}]
sensors:
  - id: th-room
    type: modbus
    location: room
    interval: 10s
    modbus: {address: "127.0.0.1:0", unit_id: 1, profile: th-transmitter}
    simulate: {setpoint: 3, ambient: 22, fail_after: 1m, warm_tau: 5m}
`
	cfg, err := fwconfig.Parse(filepath.Join(dir, "edge.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The gateway's own rules confirm a cold room's excursion with no cloud involved: the
// alarm carries the location, the sensor and the lots there, and the rule state is kept
// for the next start.
func TestRunEdgeRules(t *testing.T) {
	broker := startTestBroker(t)
	dir := t.TempDir()
	cfg := edgeConfig(t, dir, "quick")

	var mu sync.Mutex
	var alarms []wire.Alarm
	sub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker).SetClientID("test-sub"))
	if tok := sub.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer sub.Disconnect(0)
	sub.Subscribe("lotsense/v1/edge-site/edge-gw/alarms", 1, func(_ mqtt.Client, m mqtt.Message) {
		b, err := wire.DecodeAlarms(m.Payload())
		if err != nil {
			t.Errorf("alarms: %v", err)
			return
		}
		mu.Lock()
		alarms = append(alarms, b.Alarms...)
		mu.Unlock()
	}).Wait()

	// 300x: cooling fails at 1 min, the room passes 8 °C about 1.5 min later, the rule
	// confirms 2 min after that: about 5 demo minutes, 1 s.
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	if err := Run(ctx, cfg, Options{Speed: 300, Broker: broker, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	var raised []wire.Alarm
	for _, a := range alarms {
		if a.Kind == AlarmEdgeExcursion && a.State == "raised" {
			raised = append(raised, a)
		}
	}
	if len(raised) != 1 {
		t.Fatalf("edge excursion alarms raised: %+v (all alarms %+v), want one", raised, alarms)
	}
	a := raised[0]
	if a.Location != "room" || a.Sensor != "th-room" || a.Severity != "critical" ||
		strings.Join(a.Lots, " ") != "(01)09506000134352(10)EDGE-1" || !strings.HasPrefix(a.Message, "high (high) at room") {
		t.Errorf("alarm %+v", a)
	}
	if _, err := os.Stat(filepath.Join(dir, "outbox", edgeStateDir, "room__th-room.json")); err != nil {
		t.Errorf("rule state not kept for the next start: %v", err)
	}
}

func TestResolveProfilesErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := ResolveProfiles(edgeConfig(t, dir, "no-such-profile"))
	var fe *fwconfig.Error
	if !errors.As(err, &fe) || fe.Path != "locations[0].profile" || fe.Line == 0 ||
		!strings.Contains(err.Error(), `no profile "no-such-profile": want one of chilled-5, frozen-18, pharma-2-8, quick`) {
		t.Fatalf("unknown profile: %v", err)
	}
	cfg := edgeConfig(t, dir, "pharma-2-8")
	if err := os.WriteFile(cfg.ProfilesPath(), []byte("profiles:\n  - name: bad\n    rules:\n      - {kind: high, limit: 8, dealy: 5m}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ResolveProfiles(cfg); err == nil || !strings.Contains(err.Error(), "profiles.yaml") || !strings.Contains(err.Error(), "dealy") {
		t.Fatalf("bad profiles file: %v", err)
	}
}
