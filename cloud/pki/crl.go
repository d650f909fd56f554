package pki

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"path/filepath"
	"time"
)

// Revoke revokes certificates of one identity (kind and name, e.g. KindGateway and
// "site-1/dock-1"): the one with the given serial (hexadecimal, as Records and
// `gateway list` show it), or with serial empty every one not revoked yet. It then
// writes the revocation list, which the broker reads (Mosquitto on reload, SIGHUP, for
// new connections; the embedded broker within seconds, disconnecting the revoked). It
// returns the records revoked.
func (ca *CA) Revoke(kind Kind, name, serial string) ([]Record, error) {
	var revoked []Record
	now := ca.now()
	found := false
	for _, r := range ca.idx.find(kind, name) {
		if serial != "" && !sameSerial(r.Serial, serial) {
			continue
		}
		found = true
		if r.Revoked.IsZero() {
			r.Revoked = now
			revoked = append(revoked, *r)
		}
	}
	switch {
	case !found && serial != "":
		return nil, fmt.Errorf("pki: %s %s has no certificate with serial %s", kind, name, serial)
	case !found:
		return nil, fmt.Errorf("pki: no %s certificate was issued to %s", kind, name)
	case len(revoked) == 0:
		return nil, fmt.Errorf("pki: %s %s: revoked already", kind, name)
	}
	return revoked, ca.writeCRL()
}

func sameSerial(a, b string) bool {
	x, ok1 := new(big.Int).SetString(a, 16)
	y, ok2 := new(big.Int).SetString(b, 16)
	return ok1 && ok2 && x.Cmp(y) == 0
}

// WriteCRL signs the revocation list again (a new number and this-update time) and
// writes it with the index.
func (ca *CA) WriteCRL() error { return ca.writeCRL() }

// writeCRL signs a revocation list of every revoked certificate and writes it, with the
// index (which holds the CRL number). The list's next update is the CA's own expiry:
// OpenSSL refuses every client once a CRL's next update has passed, and the list only
// changes when lotsense-cloud revokes, so it must not lapse on its own.
func (ca *CA) writeCRL() error {
	now := ca.now()
	var entries []x509.RevocationListEntry
	for _, r := range ca.idx.Certs {
		if r.Revoked.IsZero() {
			continue
		}
		n, ok := new(big.Int).SetString(r.Serial, 16)
		if !ok {
			return fmt.Errorf("pki: index: bad serial %q", r.Serial)
		}
		entries = append(entries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: r.Revoked.UTC()})
	}
	next := ca.cert.NotAfter
	if !next.After(now) {
		next = now.Add(24 * time.Hour)
	}
	ca.idx.CRLNumber++
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    big.NewInt(ca.idx.CRLNumber),
		ThisUpdate:                now.Add(-time.Minute),
		NextUpdate:                next,
		RevokedCertificateEntries: entries,
	}, ca.cert, ca.key)
	if err != nil {
		return fmt.Errorf("pki: sign the revocation list: %w", err)
	}
	if err := ca.idx.write(ca.dir); err != nil {
		return err
	}
	return writeFile(filepath.Join(ca.dir, CRLFile), pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}), 0o644)
}
