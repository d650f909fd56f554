package fleetsim

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
)

// Placeholders in a certificate or key file name: the gateway's site and id, as
// lotsense-cloud gateway enroll files them (gateways/{site}/{gateway}.crt).
const (
	sitePlaceholder    = "{site}"
	gatewayPlaceholder = "{gateway}"
)

// tlsConfigs returns a function giving each gateway's TLS settings: the CA that
// verifies the broker and the gateway's certificate, as gateway/tls.go builds them
// from the mqtt: fields. nil settings when no TLS file is given.
func tlsConfigs(o *Options) (func(site, gateway string) (*tls.Config, error), error) {
	if o.CAFile == "" && o.CertFile == "" {
		return func(string, string) (*tls.Config, error) { return nil, nil }, nil
	}
	base := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("fleetsim: CA file: %w", err)
		}
		base.RootCAs = x509.NewCertPool()
		if !base.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("fleetsim: CA file %s: no PEM certificate found", o.CAFile)
		}
	}
	if o.CertFile == "" {
		return func(string, string) (*tls.Config, error) { return base, nil }, nil
	}
	load := func(site, gw string) (*tls.Config, error) {
		r := strings.NewReplacer(sitePlaceholder, site, gatewayPlaceholder, gw)
		certFile, keyFile := r.Replace(o.CertFile), r.Replace(o.KeyFile)
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("fleetsim: certificate %s and key %s: %w", certFile, keyFile, err)
		}
		c := base.Clone()
		c.Certificates = []tls.Certificate{cert}
		return c, nil
	}
	if !strings.Contains(o.CertFile+o.KeyFile, gatewayPlaceholder) {
		shared, err := load("", "")
		if err != nil {
			return nil, err
		}
		return func(string, string) (*tls.Config, error) { return shared, nil }, nil
	}
	return load, nil
}
