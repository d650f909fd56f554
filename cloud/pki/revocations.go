package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// ErrRevoked is the error of a revoked certificate.
var ErrRevoked = errors.New("certificate revoked")

// Revocations checks certificates against a CRL file as Mosquitto does with its crlfile
// (OpenSSL's CRL check of the leaf): a certificate is refused when the file lists it,
// and also when the file holds no valid CRL of its issuer, or that CRL's next update has
// passed. The file may hold the CRLs of several CAs, in PEM. It is read again whenever
// its size or modification time changes; a file that no longer reads leaves the last
// good lists in force.
type Revocations struct {
	file string
	cas  []*x509.Certificate
	now  func() time.Time

	mu      sync.Mutex
	mod     time.Time
	size    int64
	lists   map[string]*list // by issuerKey
	loadErr error            // of the last read, if it failed
}

type list struct {
	number  int64 // the CRL number; the highest of an issuer's lists wins
	next    time.Time
	serials map[string]bool // big.Int.String of each revoked serial
}

// NewRevocations reads the CRL file; every CRL in it must be signed by one of cas.
func NewRevocations(file string, cas []*x509.Certificate) (*Revocations, error) {
	r := &Revocations{file: file, cas: cas, now: time.Now}
	if _, err := r.Reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// File returns the CRL file's name.
func (r *Revocations) File() string { return r.file }

// Reload reads the file again if it changed since the last read. changed is true when
// new lists are in force.
func (r *Revocations) Reload() (changed bool, err error) {
	fi, err := os.Stat(r.file)
	if err != nil {
		return false, r.failed(fmt.Errorf("pki: revocation list: %w", err))
	}
	r.mu.Lock()
	same := r.lists != nil && fi.ModTime().Equal(r.mod) && fi.Size() == r.size
	r.mu.Unlock()
	if same {
		return false, nil
	}
	data, err := os.ReadFile(r.file)
	if err != nil {
		return false, r.failed(fmt.Errorf("pki: revocation list: %w", err))
	}
	lists, err := r.parse(data)
	if err != nil {
		return false, r.failed(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lists, r.mod, r.size, r.loadErr = lists, fi.ModTime(), fi.Size(), nil
	return true, nil
}

func (r *Revocations) failed(err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.loadErr = err
	return err
}

func (r *Revocations) parse(data []byte) (map[string]*list, error) {
	lists := map[string]*list{}
	for rest := data; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if b.Type != "X509 CRL" {
			continue
		}
		crl, err := x509.ParseRevocationList(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("pki: %s: %w", r.file, err)
		}
		signed := false
		for _, ca := range r.cas {
			if bytes.Equal(ca.RawSubject, crl.RawIssuer) && crl.CheckSignatureFrom(ca) == nil {
				signed = true
				break
			}
		}
		if !signed {
			return nil, fmt.Errorf("pki: %s: a CRL of %s is signed by none of the CAs", r.file, crl.Issuer)
		}
		l := &list{next: crl.NextUpdate, serials: map[string]bool{}}
		if crl.Number != nil && crl.Number.IsInt64() {
			l.number = crl.Number.Int64()
		}
		for _, e := range crl.RevokedCertificateEntries {
			l.serials[e.SerialNumber.String()] = true
		}
		k := issuerKey(crl.RawIssuer, crl.AuthorityKeyId)
		if old := lists[k]; old == nil || old.number < l.number {
			lists[k] = l
		}
	}
	if len(lists) == 0 {
		return nil, fmt.Errorf("pki: %s: no PEM X509 CRL found", r.file)
	}
	return lists, nil
}

// Check refuses a certificate the lists revoke (ErrRevoked), or one they cannot vouch
// for. It reads the file again first if it changed.
func (r *Revocations) Check(cert *x509.Certificate) error {
	r.Reload() // an error keeps the last good lists; Err reports it
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.lists[issuerKey(cert.RawIssuer, cert.AuthorityKeyId)]
	switch {
	case l == nil:
		return fmt.Errorf("pki: %s: no revocation list of its issuer %s in %s", cert.Subject, cert.Issuer, r.file)
	case !l.next.IsZero() && r.now().After(l.next):
		return fmt.Errorf("pki: %s: the revocation list of %s in %s expired on %s", cert.Subject, cert.Issuer, r.file, l.next.Format(time.RFC3339))
	case l.serials[cert.SerialNumber.String()]:
		return fmt.Errorf("pki: %s (serial %s): %w", cert.Subject, serialHex(cert.SerialNumber), ErrRevoked)
	}
	return nil
}

// Err returns why the file could not be read the last time, or nil.
func (r *Revocations) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.loadErr
}

// issuerKey names the CA that signed a certificate or CRL: its subject and key
// identifier, since two CAs may well have the same name.
func issuerKey(rawIssuer, authorityKeyID []byte) string {
	return string(rawIssuer) + "\x00" + string(authorityKeyID)
}
