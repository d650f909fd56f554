package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/lotsense/lotsense/cloud/broker"
	"github.com/lotsense/lotsense/cloud/broker/brokertest"
	"github.com/lotsense/lotsense/cloud/pki"
	"github.com/lotsense/lotsense/gateway/wire"
)

const pushSite = `site: site-1
gateway: gw-a
locations:
  - id: room-1
sensors:
  - id: th-1
    type: modbus
    location: room-1
    interval: 10s
    modbus:
      address: 127.0.0.1:0
      unit_id: 1
      profile: th-transmitter
    simulate:
      setpoint: 3.0
`

// configs receives what the broker delivers on a gateway's config topic.
func configs(t *testing.T, c paho.Client, site, gateway string) <-chan *wire.Config {
	t.Helper()
	got := make(chan *wire.Config, 8)
	tok := c.Subscribe(wire.Topic(site, gateway, wire.KindConfig), 1, func(_ paho.Client, m paho.Message) {
		cfg, err := wire.DecodeConfig(m.Payload())
		if err != nil {
			t.Errorf("configuration does not decode: %v", err)
			return
		}
		got <- cfg
	})
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	return got
}

func runConfigCmd(args ...string) (string, error) {
	var out, errb bytes.Buffer
	err := cli{stdout: &out, stderr: &errb}.config(context.Background(), args)
	return out.String() + errb.String(), err
}

// config push refuses, before connecting, a file that does not check (every problem
// with its line) or that is for another gateway; it publishes a good one through the
// embedded broker's TLS listener as the cloud (its certificate, the ACL applied), and
// the gateway it is for receives it there, retained, with its SHA-256.
func TestConfigPush(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := brokertest.NewPKI(t)
	b, err := broker.Start(broker.Options{Logger: slog.New(slog.DiscardHandler),
		TLS: &broker.TLSOptions{Address: "127.0.0.1:0", CAFile: p.CAFile, CertFile: p.CertFile, KeyFile: p.KeyFile, CRLFile: p.CRLFile}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	cloudID, err := p.CA.Cloud("", pki.IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := brokertest.Client(b.TLSURL(), p.CAFile, &p.GatewayA, "lotsense-gw-a")
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Disconnect(0)
	got := configs(t, gw, "site-1", "gw-a")
	tlsFlags := []string{"-broker", b.TLSURL(), "-tls-ca", p.CAFile, "-tls-cert", cloudID.CertFile, "-tls-key", cloudID.KeyFile, "-timeout", "5s"}

	bad := write("bad.yaml", strings.Replace(pushSite, "location: room-1", "location: room-9", 1)+"  - id: th-2\n")
	out, err := runConfigCmd(append(append([]string{"push"}, tlsFlags...), "site-1/gw-a", bad)...)
	if err == nil || !strings.Contains(err.Error(), "bad.yaml:8:15: sensors[0].location") || !strings.Contains(err.Error(), "nothing published") {
		t.Errorf("a file that does not check: %v\n%s", err, out)
	}
	other := write("other.yaml", pushSite)
	if _, err := runConfigCmd("push", "site-1/gw-b", other, "-broker", b.TLSURL()); err == nil || !strings.Contains(err.Error(), "is for gateway site-1/gw-a, not site-1/gw-b") {
		t.Errorf("a file of another gateway: %v", err)
	}
	select {
	case c := <-got:
		t.Fatalf("published although refused: %+v", c)
	case <-time.After(200 * time.Millisecond):
	}

	good := write("good.yaml", pushSite)
	// Flags after the arguments too.
	out, err = runConfigCmd(append([]string{"push", "site-1/gw-a", good}, tlsFlags...)...)
	if err != nil || !strings.Contains(out, "published") {
		t.Fatalf("push: %v\n%s", err, out)
	}
	var first *wire.Config
	select {
	case first = <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the gateway received no configuration")
	}
	if first.YAML != pushSite || first.SHA256 != wire.ConfigSHA256(pushSite) || !strings.Contains(out, "configuration "+first.Version+" of site-1/gw-a") {
		t.Errorf("received %+v; push said %s", first, out)
	}
	out, err = runConfigCmd(append([]string{"push", "site-1/gw-a", good, "-wait", "500ms"}, tlsFlags...)...)
	if err == nil || !strings.Contains(err.Error(), "does not report running") {
		t.Errorf("-wait with no gateway running it: %v\n%s", err, out)
	}
	second := <-got
	if wire.CompareConfigVersions(second.Version, first.Version) <= 0 {
		t.Errorf("second push version %s, first %s: want newer", second.Version, first.Version)
	}
	// Another gateway's identity cannot publish a configuration (the ACL).
	gwB, err := brokertest.Client(b.TLSURL(), p.CAFile, &p.GatewayB, "lotsense-gw-b")
	if err != nil {
		t.Fatal(err)
	}
	defer gwB.Disconnect(0)
	forged, _ := wire.Encode(&wire.Config{V: wire.Version, Version: "9999", SHA256: wire.ConfigSHA256("x"), YAML: "x"})
	gwB.Publish(wire.Topic("site-1", "gw-a", wire.KindConfig), 1, true, forged).WaitTimeout(2 * time.Second)
	select {
	case c := <-got:
		if c.Version == "9999" {
			t.Fatal("gateway gw-b's configuration for gw-a was delivered")
		}
	case <-time.After(300 * time.Millisecond):
	}
	// No broker: a clear error, not a hang.
	if _, err := runConfigCmd("push", "-broker", "tcp://"+freeAddr(t), "-timeout", "1s", "site-1/gw-a", good); err == nil || !strings.Contains(err.Error(), "no connection to the broker") {
		t.Errorf("no broker: %v", err)
	}
}
