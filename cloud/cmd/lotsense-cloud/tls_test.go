package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a certificate for 127.0.0.1 and its key (mode 0600) into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Given a certificate, serve answers over HTTPS only, with HSTS; a key file others can
// read is refused before anything starts.
func TestServeHTTPS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := selfSigned(t, dir)
	httpAddr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, []string{"-data", filepath.Join(dir, "data"), "-http", httpAddr, "-mqtt-listen", freeAddr(t),
			"-tls-cert", certFile, "-tls-key", keyFile, "-log-level", "error"})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	pool := x509.NewCertPool()
	pem, _ := os.ReadFile(certFile)
	pool.AppendCertsFromPEM(pem)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
	var res *http.Response
	var err error
	for range 100 {
		if res, err = client.Get("https://" + httpAddr + "/healthz"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("GET /healthz over HTTPS: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Strict-Transport-Security"), "max-age=") ||
		!strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("HTTPS /healthz: %d, HSTS %q, CSP %q", res.StatusCode, res.Header.Get("Strict-Transport-Security"), res.Header.Get("Content-Security-Policy"))
	}
	if res, err := http.Get("http://" + httpAddr + "/healthz"); err == nil {
		res.Body.Close()
		if res.StatusCode < 400 {
			t.Errorf("plain HTTP answered %d on the HTTPS port", res.StatusCode)
		}
	}
}

func TestServeRefusesReadableKey(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := selfSigned(t, dir)
	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	err := serve(context.Background(), []string{"-data", filepath.Join(dir, "data"), "-http", freeAddr(t), "-mqtt-listen", freeAddr(t),
		"-tls-cert", certFile, "-tls-key", keyFile})
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("serve with a world-readable key: %v, want a refusal saying chmod 600", err)
	}
	if err := serve(context.Background(), []string{"-tls-cert", certFile}); err == nil || !strings.Contains(err.Error(), "go together") {
		t.Errorf("serve with a certificate and no key: %v", err)
	}
}
