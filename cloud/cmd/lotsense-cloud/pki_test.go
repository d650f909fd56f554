package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/lotsense/lotsense/cloud/pki"
)

// runPKI runs one pki or gateway command and returns its output.
func runPKI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	c := cli{stdout: &out, stderr: &errb}
	var err error
	switch args[0] {
	case "pki":
		err = c.pki(args[1:])
	case "gateway":
		err = c.gateway(args[1:])
	default:
		t.Fatalf("runPKI %v", args)
	}
	return out.String() + errb.String(), err
}

func mustPKI(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runPKI(t, args...)
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return out
}

// The commands a technician runs: init, server, cloud, enroll (whose printed block is
// YAML naming the files), rotate, revoke -serial, list.
func TestPKICommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	mustPKI(t, "pki", "init", "-dir", dir, "-site", "site-1")
	mustPKI(t, "pki", "server", "-dir", dir, "-host", "mqtt.example.com,127.0.0.1")
	mustPKI(t, "pki", "cloud", "-dir", dir)
	out := mustPKI(t, "gateway", "enroll", "site-1/dock-1", "-dir", dir, "-install-dir", "/etc/lotsense/tls")
	var block struct {
		MQTT map[string]string `yaml:"mqtt"`
	}
	if err := yaml.Unmarshal([]byte(out), &block); err != nil {
		t.Fatalf("enroll output is not YAML: %v\n%s", err, out)
	}
	want := map[string]string{"broker": "ssl://mqtt.example.com:8883", "client_id": "lotsense-site-1:dock-1",
		"ca_file": "/etc/lotsense/tls/ca.crt", "cert_file": "/etc/lotsense/tls/gateway.crt", "key_file": "/etc/lotsense/tls/gateway.key"}
	for k, v := range want {
		if block.MQTT[k] != v {
			t.Errorf("mqtt.%s = %q, want %q\n%s", k, block.MQTT[k], v, out)
		}
	}
	if !strings.Contains(out, filepath.Join(dir, "gateways/site-1/dock-1.key")+" -> /etc/lotsense/tls/gateway.key") {
		t.Errorf("enroll does not say which key file to copy:\n%s", out)
	}
	if _, err := runPKI(t, "gateway", "enroll", "-dir", dir, "site-1/dock-1"); err == nil {
		t.Error("enrolled twice")
	}
	if _, err := runPKI(t, "gateway", "enroll", "-dir", dir, "site-2/dock-1"); err == nil {
		t.Error("enrolled a gateway of another site")
	}
	ca, err := pki.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	old := ca.Records()
	mustPKI(t, "gateway", "rotate", "-dir", dir, "site-1/dock-1", "-broker", "ssl://10.0.0.1:8883")
	out = mustPKI(t, "gateway", "list", "-dir", dir)
	if strings.Count(out, "site-1/dock-1") != 2 || strings.Count(out, "valid") != 2 {
		t.Fatalf("list after rotate:\n%s", out)
	}
	var oldSerial string
	for _, r := range old {
		if r.Kind == pki.KindGateway {
			oldSerial = r.Serial
		}
	}
	out = mustPKI(t, "gateway", "revoke", "-dir", dir, "site-1/dock-1", "-serial", oldSerial)
	if !strings.Contains(out, "revoked site-1/dock-1 certificate "+oldSerial) {
		t.Fatalf("revoke:\n%s", out)
	}
	out = mustPKI(t, "gateway", "list", "-dir", dir)
	if strings.Count(out, "revoked") != 1 || strings.Count(out, " valid") != 1 {
		t.Fatalf("list after revoke:\n%s", out)
	}
	if out := mustPKI(t, "pki", "list", "-dir", dir); !strings.Contains(out, "server") || !strings.Contains(out, "cloud") {
		t.Fatalf("pki list:\n%s", out)
	}
	if _, err := runPKI(t, "gateway", "enroll", "-dir", filepath.Join(t.TempDir(), "none"), "s/g"); err == nil || !strings.Contains(err.Error(), "pki init") {
		t.Fatalf("enroll without a CA: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "gateways/site-1/dock-1."+oldSerial+".crt")); err != nil {
		t.Fatal(err)
	}
}
