package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A configuration mistake is reported by the binary the way a technician sees it:
// file, line, column and what was expected, every problem at once, exit status 1,
// and `run` refuses to start with the same report.
func TestGatewayReportsConfigErrorsWithFileAndLine(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "site.yaml")
	body := "site: demo-site\ngateway: gw1\nlocations:\n  - id: room-1\nsensors:\n  - id: th-1\n    type: modbus\n" +
		"    location: room-9\n    interval: ten\n    modbus:\n      address: 10.0.0.5:502\n      profile: th-transmitter\n"
	if err := os.WriteFile(bad, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := filepath.Join(binDir, "lotsense-gateway")
	for _, args := range [][]string{{"config", "check", bad}, {"run", "-config", bad}} {
		out, err := exec.Command(gw, args...).CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("%v: exit %v, want status 1; output:\n%s", args, err, out)
		}
		for _, want := range []string{
			"site.yaml:8:15: sensors[0].location: no location \"room-9\"",
			"site.yaml:9:15: sensors[0].interval: want a duration like 10s, got \"ten\"",
		} {
			if !strings.Contains(string(out), want) {
				t.Errorf("%v: output lacks %q:\n%s", args, want, out)
			}
		}
	}
	good := "../../firmware-config/examples/cold-room.yaml"
	if out, err := exec.Command(gw, "config", "check", good).CombinedOutput(); err != nil || !strings.Contains(string(out), "ok") {
		t.Errorf("config check %s: %v\n%s", good, err, out)
	}
}

// probe reads one configured sensor once: a technician sees the decoded values, or
// the exact error and exit status 1.
func TestGatewayProbeReadsOneSensor(t *testing.T) {
	gw := filepath.Join(binDir, "lotsense-gateway")
	demo := "../../firmware-config/examples/demo-cold-room.yaml"
	out, err := exec.Command(gw, "probe", "-config", demo, "th-room-1").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "temperature") || !strings.Contains(string(out), "good") {
		t.Fatalf("probe of the simulated th-room-1: %v\n%s", err, out)
	}
	out, err = exec.Command(gw, "probe", "-config", demo, "nope").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), `no sensor "nope"`) {
		t.Fatalf("probe of an unknown sensor: %v\n%s", err, out)
	}
}
