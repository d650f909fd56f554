package pki

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
)

// CertPool reads the certificates of a CA file into a pool.
func CertPool(caFile string) (*x509.CertPool, error) {
	certs, err := ReadCerts(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// ClientTLS returns the TLS settings of an MQTT client: caFile verifies the broker,
// certFile and keyFile are the client's identity (the cloud's, or a gateway's).
func ClientTLS(caFile, certFile, keyFile string) (*tls.Config, error) {
	pool, err := CertPool(caFile)
	if err != nil {
		return nil, err
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("pki: %s, %s: %w", certFile, keyFile, err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}
