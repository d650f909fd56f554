package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	fwconfig "github.com/lotsense/lotsense/firmware-config"
)

// tlsConfig builds the TLS settings of the broker connection: the CA that verifies the
// broker and the gateway's own certificate (its identity). nil when none is configured.
func tlsConfig(m *fwconfig.MQTT) (*tls.Config, error) {
	if m.CAFile == "" && m.CertFile == "" {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if m.CAFile != "" {
		pem, err := os.ReadFile(m.CAFile)
		if err != nil {
			return nil, fmt.Errorf("gateway: mqtt.ca_file: %w", err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("gateway: mqtt.ca_file %s: no PEM certificate found", m.CAFile)
		}
	}
	if m.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(m.CertFile, m.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("gateway: mqtt.cert_file/key_file: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}
