package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"os"

	fwconfig "github.com/lotsense/lotsense/firmware-config"
)

// tlsConfig builds the TLS settings of the broker connection: the CA that verifies the
// broker and the gateway's own certificate (its identity). nil when none is configured.
// The key file must be readable by its owner only (see readSecret).
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
		certPEM, err := os.ReadFile(m.CertFile)
		if err != nil {
			return nil, fmt.Errorf("gateway: mqtt.cert_file: %w", err)
		}
		keyPEM, err := readSecret("mqtt.key_file", m.KeyFile)
		if err != nil {
			return nil, err
		}
		// X509KeyPair's errors describe, never quote, what it was given.
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("gateway: mqtt.cert_file %s and key_file %s: %w", m.CertFile, m.KeyFile, err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// maxSecret bounds a secret file: a key is a few kilobytes.
const maxSecret = 1 << 20

// readSecret reads a file holding a secret (a private key). It refuses the file when
// anyone but its owner may read, write or run it: a key others can read is a key
// others can copy, and a gateway that used it anyway would teach that this is fine.
// The mode is checked on the opened file, so a rename in between cannot swap it.
func readSecret(key, name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("gateway: %s: %w (the file must belong to the user the gateway runs as, mode 0600)", key, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("gateway: %s: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("gateway: %s %s is not a regular file", key, name)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("gateway: %s %s has mode %04o: its group or others may access it, and it holds a private key; "+
			"run `chmod 600 %s` (owner: the user the gateway runs as), and consider the key exposed if others could read it",
			key, name, perm, name)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSecret+1))
	if err != nil {
		return nil, fmt.Errorf("gateway: %s %s: %w", key, name, err)
	}
	if len(data) > maxSecret {
		return nil, fmt.Errorf("gateway: %s %s is larger than %d bytes: not a key", key, name, maxSecret)
	}
	return data, nil
}
