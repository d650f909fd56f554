package gateway

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	server "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	fwconfig "github.com/lotsense/lotsense/firmware-config"
)

// testPKI writes a CA, a server certificate for 127.0.0.1 and a gateway's client
// certificate (CN site/gateway) into dir; the gateway's key has mode keyMode.
type testPKI struct {
	ca                                     *x509.Certificate
	caFile, srvCert, srvKey, gwCert, gwKey string
}

func newTestPKI(t *testing.T, dir string, keyMode os.FileMode) *testPKI {
	t.Helper()
	p := &testPKI{caFile: filepath.Join(dir, "ca.crt"), srvCert: filepath.Join(dir, "server.crt"), srvKey: filepath.Join(dir, "server.key"),
		gwCert: filepath.Join(dir, "gateway.crt"), gwKey: filepath.Join(dir, "gateway.key")}
	caKey := newKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	p.ca, _ = x509.ParseCertificate(der)
	writePEM(t, p.caFile, "CERTIFICATE", der, 0o644)
	issue := func(cn string, serial int64, usage x509.ExtKeyUsage, ips []net.IP, certFile, keyFile string, mode os.FileMode) {
		key := newKey(t)
		c := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn}, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: ips, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, c, p.ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		writePEM(t, certFile, "CERTIFICATE", der, 0o644)
		kd, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		writePEM(t, keyFile, "PRIVATE KEY", kd, mode)
	}
	issue("127.0.0.1", 2, x509.ExtKeyUsageServerAuth, []net.IP{net.IPv4(127, 0, 0, 1)}, p.srvCert, p.srvKey, 0o600)
	issue("demo-site/coldroom-gw", 3, x509.ExtKeyUsageClientAuth, nil, p.gwCert, p.gwKey, keyMode)
	return p
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func writePEM(t *testing.T, name, typ string, der []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(name, mode); err != nil { // whatever the umask
		t.Fatal(err)
	}
}

// A key file its group or others may access is refused with a message that names the
// file, its mode and the fix, and quotes nothing of the key; mode 0600 (0400) works,
// through a symbolic link too.
func TestKeyFileMode(t *testing.T) {
	dir := t.TempDir()
	p := newTestPKI(t, dir, 0o600)
	keyPEM, err := os.ReadFile(p.gwKey)
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Split(string(keyPEM), "\n")[1] // a line of the key's base64
	m := &fwconfig.MQTT{CAFile: p.caFile, CertFile: p.gwCert, KeyFile: p.gwKey}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		os.Chmod(p.gwKey, mode)
		if c, err := tlsConfig(m); err != nil || len(c.Certificates) != 1 {
			t.Fatalf("mode %04o: %v", mode, err)
		}
	}
	link := filepath.Join(dir, "link.key")
	if err := os.Symlink(p.gwKey, link); err != nil {
		t.Fatal(err)
	}
	if _, err := tlsConfig(&fwconfig.MQTT{CAFile: p.caFile, CertFile: p.gwCert, KeyFile: link}); err != nil {
		t.Fatalf("through a link: %v", err)
	}
	for _, mode := range []os.FileMode{0o640, 0o644, 0o604, 0o660, 0o620, 0o601} {
		os.Chmod(p.gwKey, mode)
		_, err := tlsConfig(m)
		if err == nil {
			t.Fatalf("mode %04o accepted", mode)
		}
		msg := err.Error()
		for _, want := range []string{p.gwKey, fmt.Sprintf("mode %04o", mode), "chmod 600 " + p.gwKey, "mqtt.key_file"} {
			if !strings.Contains(msg, want) {
				t.Errorf("mode %04o: %q does not say %q", mode, msg, want)
			}
		}
		if strings.Contains(msg, body) || strings.Contains(msg, "PRIVATE KEY") {
			t.Fatalf("the error quotes the key: %s", msg)
		}
	}
	// A broken key is refused without quoting it either.
	writeFile(t, p.gwKey, "-----BEGIN PRIVATE KEY-----\n"+body+"\n-----END PRIVATE KEY-----\n", 0o600)
	if _, err := tlsConfig(m); err == nil || strings.Contains(err.Error(), body) {
		t.Fatalf("broken key: %v", err)
	}
}

func writeFile(t *testing.T, name, text string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(name, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
}

// tlsDemoConfig is the demo site's configuration with a TLS broker and the files of p.
func tlsDemoConfig(t *testing.T, broker string, p *testPKI) *fwconfig.Config {
	t.Helper()
	example, err := os.ReadFile("../firmware-config/examples/demo-cold-room.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(example), "gateway: coldroom-gw", "gateway: coldroom-gw\noutbox:\n  dir: "+filepath.Join(t.TempDir(), "outbox"), 1)
	cfg, err := fwconfig.Parse("demo.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MQTT.Broker, cfg.MQTT.CAFile, cfg.MQTT.CertFile, cfg.MQTT.KeyFile = broker, p.caFile, p.gwCert, p.gwKey
	return cfg
}

// The gateway publishes over TLS with its certificate to a broker that requires one,
// and refuses to start with a key others may read.
func TestRunOverTLS(t *testing.T) {
	p := newTestPKI(t, t.TempDir(), 0o600)
	srvCert, err := tls.LoadX509KeyPair(p.srvCert, p.srvKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(p.ca)
	srv := server.New(&server.Options{Logger: slog.New(slog.DiscardHandler)})
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		t.Fatal(err)
	}
	l := listeners.NewTCP(listeners.Config{ID: "tls", Address: "127.0.0.1:0", TLSConfig: &tls.Config{
		Certificates: []tls.Certificate{srvCert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}})
	if err := srv.AddListener(l); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 100)
	if err := srv.AddHook(&publishSpy{got: got}, nil); err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	broker := "ssl://" + l.Address()

	os.Chmod(p.gwKey, 0o644)
	err = Run(context.Background(), tlsDemoConfig(t, broker, p), Options{Speed: 600, Logger: slog.New(slog.DiscardHandler)})
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("Run with a world-readable key: %v", err)
	}
	os.Chmod(p.gwKey, 0o600)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, tlsDemoConfig(t, broker, p), Options{Speed: 600, Logger: slog.New(slog.DiscardHandler)})
	}()
	select {
	case s := <-got:
		if s != "demo-site/coldroom-gw" {
			t.Fatalf("published by %q", s)
		}
	case <-ctx.Done():
		t.Fatal("nothing published over TLS")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// publishSpy reports the certificate common name of each publisher.
type publishSpy struct {
	server.HookBase
	got chan string
}

func (h *publishSpy) ID() string           { return "spy" }
func (h *publishSpy) Provides(b byte) bool { return b == server.OnPublish }
func (h *publishSpy) OnPublish(cl *server.Client, pk packets.Packet) (packets.Packet, error) {
	if c, ok := cl.Net.Conn.(*tls.Conn); ok && len(c.ConnectionState().PeerCertificates) > 0 {
		select {
		case h.got <- c.ConnectionState().PeerCertificates[0].Subject.CommonName:
		default:
		}
	}
	return pk, nil
}
