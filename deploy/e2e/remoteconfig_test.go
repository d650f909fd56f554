package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// rcSite is gateway rc-site/gw1 with simulated transmitters (ids) polled every 200 ms
// in real time, plus extra YAML under sensors.
func rcSite(outbox, api string, ids []string, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "site: rc-site\ngateway: gw1\noutbox:\n  dir: %s\napi:\n  listen: %s\nlocations:\n  - id: room-1\n    kind: cold_room\nsensors:\n", outbox, api)
	for _, id := range ids {
		fmt.Fprintf(&b, "  - id: %s\n    type: modbus\n    location: room-1\n    interval: 200ms\n"+
			"    modbus:\n      address: 127.0.0.1:0\n      unit_id: 1\n      profile: th-transmitter\n    simulate:\n      setpoint: 3.0\n", id)
	}
	return b.String() + extra
}

func TestRemoteConfigEndToEndEmbeddedBroker(t *testing.T) { remoteConfig(t, false) }

func TestRemoteConfigEndToEndMosquitto(t *testing.T) { remoteConfig(t, true) }

// remoteConfig: the cloud pushes a configuration whose new Modbus device never answers
// (the gateway runs it on trial and rolls it back), then a good one (applied; the
// dashboard's gateway list shows its version); every reading the gateway's outbox
// accepted across its three runs is stored once, none missing.
func remoteConfig(t *testing.T, mosquitto bool) {
	ctx := context.Background()
	dir := t.TempDir()
	data := filepath.Join(dir, "cloud")
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	api := "http://" + httpAddr
	cloudArgs := []string{"serve", "-data", data, "-http", httpAddr, "-client-id", "cloud-rc"}
	var mqttAddr string
	if mosquitto {
		mqttAddr = startMosquitto(t)
		cloudArgs = append(cloudArgs, "-broker", "tcp://"+mqttAddr)
	} else {
		mqttAddr = fmt.Sprintf("127.0.0.1:%d", freePort(t))
		cloudArgs = append(cloudArgs, "-mqtt-listen", mqttAddr)
	}
	broker := "tcp://" + mqttAddr
	authorize(api, cliToken(t, data))
	cloud := start(t, "lotsense-cloud", dir, filepath.Join(binDir, "lotsense-cloud"), cloudArgs...)
	waitPort(t, httpAddr, cloud)
	waitPort(t, mqttAddr, cloud)

	gwDir := filepath.Join(dir, "gw")
	if err := os.Mkdir(gwDir, 0o700); err != nil {
		t.Fatal(err)
	}
	outbox, gwAPI := filepath.Join(gwDir, "outbox"), fmt.Sprintf("127.0.0.1:%d", freePort(t))
	write := func(name, body string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	local := filepath.Join(gwDir, "site.yaml")
	if err := os.WriteFile(local, []byte(rcSite(outbox, gwAPI, []string{"th-1"}, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := start(t, "lotsense-gateway", dir, filepath.Join(binDir, "lotsense-gateway"),
		"run", "-config", local, "-broker", broker, "-config-trial", "5s")
	eventually(t, 30*time.Second, "first readings stored", func() error { return storedAtLeast(ctx, api, 10) })

	push := func(file string, extra ...string) string {
		t.Helper()
		args := append([]string{"config", "push", "-broker", broker, "-client-id", "cloud-rc", "rc-site/gw1", file}, extra...)
		out := cloudCLI(t, "", args...)
		m := regexp.MustCompile(`configuration (\S+) of rc-site/gw1 published`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("config push said: %s", out)
		}
		return m[1]
	}
	broken := write("broken.yaml", rcSite(outbox, gwAPI, []string{"th-1"}, fmt.Sprintf("  - id: th-broken\n    type: modbus\n    location: room-1\n"+
		"    interval: 1s\n    modbus:\n      address: 127.0.0.1:%d\n      unit_id: 1\n      profile: th-transmitter\n", freePort(t))))
	bad := push(broken)
	eventually(t, 30*time.Second, "the broken configuration rolled back", func() error {
		var st struct {
			Config struct {
				Version, Refused string
				Reason           string `json:"refused_reason"`
			} `json:"config"`
		}
		if err := getJSON(ctx, "http://"+gwAPI+"/status", &st); err != nil {
			return err
		}
		if c := st.Config; c.Version != "" || c.Refused != bad || !strings.Contains(c.Reason, "th-broken") {
			return fmt.Errorf("config %+v", c)
		}
		return nil
	})

	good := push(write("good.yaml", rcSite(outbox, gwAPI, []string{"th-1", "th-2"}, "")), "-wait", "30s")
	eventually(t, 10*time.Second, "the dashboard's gateway list shows "+good, func() error {
		var g struct {
			Gateways []struct{ Site, Gateway, State, Config string }
		}
		if err := getJSON(ctx, api+"/api/gateways", &g); err != nil {
			return err
		}
		if len(g.Gateways) != 1 || g.Gateways[0].Config != good || g.Gateways[0].State != "online" {
			return fmt.Errorf("gateways %+v", g.Gateways)
		}
		return nil
	})
	time.Sleep(2 * time.Second) // readings of th-2 too
	gw.stop(t)
	accepted := acceptedReadings(t, gw.output())
	if runs := strings.Count(gw.output(), "gateway running"); runs != 4 {
		t.Errorf("%d runs of the gateway, want 4: local file, broken on trial, local file again, good", runs)
	}
	eventually(t, 30*time.Second, "every accepted reading stored", func() error {
		var g apiGateways
		if err := getJSON(ctx, api+"/api/gateways", &g); err != nil {
			return err
		}
		if len(g.Sources) != 1 {
			return fmt.Errorf("sources %+v", g.Sources)
		}
		if s := g.Sources[0]; s.Readings != accepted || s.Min != 1 || s.Max != uint64(accepted) || s.Missing != 0 {
			return fmt.Errorf("stored %d readings, seqs %d..%d, %d missing; the gateway accepted %d", s.Readings, s.Min, s.Max, s.Missing, accepted)
		}
		return nil
	})
	t.Logf("%d readings accepted across the gateway's 4 runs, all stored once", accepted)
}
