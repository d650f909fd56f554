package broker

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/lotsense/lotsense/cloud/pki"
)

// TLSOptions configure the broker's TLS listener. Every client there must present a
// certificate of the CA; its common name is its identity (as with Mosquitto's
// use_identity_as_username: <site>/<gateway> for a gateway, cloud for the cloud), and
// the ACL decides what it may publish and read. lotsense-cloud pki makes the files.
type TLSOptions struct {
	// Address to listen on, e.g. 0.0.0.0:8883 (port 0 picks one).
	Address string
	// CAFile verifies clients; CertFile and KeyFile are the broker's own certificate.
	CAFile, CertFile, KeyFile string
	// CRLFile is the revocation list (lotsense-cloud gateway revoke writes it). Like
	// Mosquitto's crlfile, a client whose issuer has no valid list in it is refused.
	// The broker reads it again every CRLCheck when it changed, and then disconnects
	// the clients it revokes. Empty: no revocation check.
	CRLFile  string
	CRLCheck time.Duration // default 5s
	// ACL is the text of the rules (Mosquitto acl_file syntax); DefaultACL when empty.
	ACL string
}

const tlsListenerID = "tls"

// serverTLS builds the listener's TLS settings: client certificates required and
// verified against the CA, then checked against the revocation list.
func serverTLS(o *TLSOptions, rev *pki.Revocations, log *slog.Logger) (*tls.Config, error) {
	pool, err := pki.CertPool(o.CAFile)
	if err != nil {
		return nil, fmt.Errorf("broker: %w", err)
	}
	cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("broker: %s, %s: %w", o.CertFile, o.KeyFile, err)
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if rev == nil {
				return nil
			}
			if len(cs.VerifiedChains) == 0 || len(cs.VerifiedChains[0]) == 0 {
				return errors.New("broker: no verified client certificate")
			}
			if err := rev.Check(cs.VerifiedChains[0][0]); err != nil {
				log.Warn("client certificate refused", "err", err)
				return err
			}
			return nil
		},
	}, nil
}

// peerCert returns the certificate a TLS client presented, or nil.
func peerCert(cl *mqtt.Client) *x509.Certificate {
	c, ok := cl.Net.Conn.(*tls.Conn)
	if !ok {
		return nil
	}
	if certs := c.ConnectionState().PeerCertificates; len(certs) > 0 {
		return certs[0]
	}
	return nil
}

// watchCRL reads the revocation list again every interval until done is closed.
func (b *Broker) watchCRL(every time.Duration, done <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	var lastErr string
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		if err := b.ReloadCRL(); err != nil && err.Error() != lastErr {
			b.log.Error("revocation list not read; the last one read stays in force", "file", b.rev.File(), "err", err)
			lastErr = err.Error()
		} else if err == nil {
			lastErr = ""
		}
	}
}

// ReloadCRL reads the revocation list again if it changed and disconnects the TLS
// clients whose certificate it now refuses. The broker does this by itself every
// TLSOptions.CRLCheck.
func (b *Broker) ReloadCRL() error {
	if b.rev == nil {
		return nil
	}
	changed, err := b.rev.Reload()
	if err != nil || !changed {
		return err
	}
	for _, cl := range b.srv.Clients.GetAll() {
		if cl.Net.Listener != tlsListenerID || cl.Closed() {
			continue
		}
		cert := peerCert(cl)
		if cert == nil {
			continue
		}
		if err := b.rev.Check(cert); err != nil {
			b.log.Warn("disconnecting a client whose certificate the revocation list refuses", "client", cl.ID, "err", err)
			b.srv.DisconnectClient(cl, packets.ErrNotAuthorized)
		}
	}
	return nil
}
