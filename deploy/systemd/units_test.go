package systemd

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// units are the unit files, each with the directives it must keep: values a technician,
// the packages or the binaries rely on (Type=notify: the binaries send READY=1).
var units = map[string][]string{
	"lotsense-gateway.service": {
		"Type=notify", "WatchdogSec=30", "Restart=on-failure", "RestartSec=5",
		"ExecStart=/usr/bin/lotsense-gateway run -config /etc/lotsense/gateway.yaml",
		"User=lotsense", "SupplementaryGroups=i2c gpio dialout input",
		"StateDirectory=lotsense", "ConfigurationDirectory=lotsense", "ReadWritePaths=/var/lib/lotsense",
		"ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "NoNewPrivileges=yes",
		"CapabilityBoundingSet=", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK",
		"DevicePolicy=closed", "DeviceAllow=char-i2c rw", "DeviceAllow=char-gpiochip rw",
		"DeviceAllow=char-ttyUSB rw", "DeviceAllow=char-ttyACM rw", "DeviceAllow=char-ttyAMA rw",
		"DeviceAllow=char-input rw", "MemoryMax=256M", "WantedBy=multi-user.target",
		"SystemCallFilter=@system-service adjtimex", // the clock-sync check (gateway/clock.go)
	},
	"lotsense-cloud.service": {
		"Type=notify", "Restart=on-failure", "RestartSec=5",
		"ExecStart=/usr/bin/lotsense-cloud serve -data /var/lib/lotsense-cloud $LOTSENSE_CLOUD_FLAGS",
		"EnvironmentFile=-/etc/lotsense/cloud.env", "User=lotsense-cloud", "StateDirectory=lotsense-cloud",
		"ReadWritePaths=/var/lib/lotsense-cloud", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
		"PrivateDevices=yes", "NoNewPrivileges=yes", "CapabilityBoundingSet=",
		"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK", "MemoryMax=2G",
		"WantedBy=multi-user.target",
	},
}

func TestUnitsKeepTheirDirectives(t *testing.T) {
	for name, want := range units {
		lines := directives(t, name)
		for _, w := range want {
			if !slices.Contains(lines, w) {
				t.Errorf("%s: no line %q", name, w)
			}
		}
		if name == "lotsense-gateway.service" && slices.Contains(lines, "ProtectClock=yes") {
			t.Errorf("%s: ProtectClock=yes denies adjtimex, which the gateway reads the clock's sync state with", name)
		}
		if name == "lotsense-cloud.service" && slices.ContainsFunc(lines, func(l string) bool {
			return strings.HasPrefix(l, "WatchdogSec=") || strings.HasPrefix(l, "SupplementaryGroups=")
		}) {
			t.Errorf("%s: the cloud pings no watchdog and needs no device groups", name)
		}
	}
}

// directives returns the unit's lines without comments and blank lines.
func directives(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// systemd-analyze verify accepts both units without a word (an unknown key or a bad
// value is only a warning to systemd, and a unit that silently loses its hardening is
// what this test is for), and systemd-analyze security rates them OK or better.
// ExecStart points at a stand-in executable: verify checks that the program exists.
func TestSystemdAnalyzeVerify(t *testing.T) {
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (Debian package systemd): the units are not verified")
	}
	dir := t.TempDir()
	for name := range units {
		stand := filepath.Join(dir, strings.TrimSuffix(name, ".service"))
		if err := os.WriteFile(stand, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		body, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.ReplaceAll(body, []byte("/usr/bin/"+filepath.Base(stand)+" "), []byte(stand+" "))
		unit := filepath.Join(dir, name)
		if err := os.WriteFile(unit, body, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(sa, "verify", "--man=no", unit).CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("systemd-analyze verify %s: %v\n%s", name, err, out)
		}
		// Exposure 0.0 (best) to 10.0; the threshold is in tenths.
		out, err = exec.Command(sa, "security", "--offline=true", "--threshold=25", "--no-pager", unit).CombinedOutput()
		switch {
		case err != nil && bytes.Contains(out, []byte("unrecognized option")):
			t.Logf("systemd-analyze security: no --offline before systemd 250, not rated: %s", lastLine(out))
		case err != nil:
			t.Errorf("systemd-analyze security %s: %v (exposure above 2.5?)\n%s", name, err, lastLine(out))
		default:
			t.Logf("%s: %s", name, lastLine(out))
		}
	}
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}
