package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
)

// Files of a CA directory, relative to it.
const (
	CACertFile = "ca.crt"  // the CA certificate: the broker's cafile and each gateway's ca_file
	CAKeyFile  = "ca.key"  // the CA's private key (0600): only the enrolling machine needs it
	CRLFile    = "crl.pem" // the revocation list: the broker's crlfile
)

// Default validities.
const (
	DefaultCAValidity     = 10 * 365 * 24 * time.Hour
	DefaultCertValidity   = 365 * 24 * time.Hour
	backdate              = time.Hour // NotBefore this far back: clocks differ a little
	serialBits            = 128
	defaultCloudIdentity  = "cloud"
	defaultServerFileBase = "server"
)

// DefaultCloudIdentity is the common name of the cloud's client certificate, the user
// the broker ACL (deploy/mosquitto/acl) grants every gateway's up topics and the down
// topics.
const DefaultCloudIdentity = defaultCloudIdentity

// InitOptions configure Init.
type InitOptions struct {
	// Site, when set, names the CA after the site and makes it enrol gateways of that
	// site only.
	Site string
	// CACert and CAKey are the files of an existing CA to use instead of making one;
	// they are copied into the directory. The CA must be allowed to sign certificates
	// and CRLs. CACert may hold a chain, signing CA first.
	CACert, CAKey string
	// Validity of a new CA; DefaultCAValidity when zero.
	Validity time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// CA is a CA directory opened for issuing.
type CA struct {
	dir  string
	cert *x509.Certificate
	key  crypto.Signer
	idx  *index
	now  func() time.Time
}

// Init makes dir a CA directory: a new ECDSA P-256 CA, or the existing one o names, an
// empty revocation list and the index. It refuses a directory that already holds a CA.
func Init(dir string, o InitOptions) (*CA, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Site != "" {
		if err := wire.CheckID("site", o.Site); err != nil {
			return nil, fmt.Errorf("pki: %w", err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, CACertFile)); err == nil {
		return nil, fmt.Errorf("pki: %s: a CA %s (use it, or choose another directory)", dir, errExists)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	ca := &CA{dir: dir, idx: &index{Site: o.Site}, now: o.Now}
	var certPEMs []byte
	switch {
	case o.CACert != "" || o.CAKey != "":
		if o.CACert == "" || o.CAKey == "" {
			return nil, errors.New("pki: an existing CA needs both its certificate and its key")
		}
		if err := ca.adopt(o.CACert, o.CAKey); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(o.CACert)
		if err != nil {
			return nil, fmt.Errorf("pki: %w", err)
		}
		certPEMs = data
	default:
		if err := ca.create(o.Site, o.Validity); err != nil {
			return nil, err
		}
		certPEMs = certPEM(ca.cert.Raw)
	}
	kp, err := keyPEM(ca.key)
	if err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(dir, CAKeyFile), kp, 0o600); err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(dir, CACertFile), certPEMs, 0o644); err != nil {
		return nil, err
	}
	if err := ca.writeCRL(); err != nil { // also the index
		return nil, err
	}
	return ca, nil
}

// create makes a new CA key and self-signed certificate.
func (ca *CA) create(site string, validity time.Duration) error {
	if validity <= 0 {
		validity = DefaultCAValidity
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	serial, err := newSerial()
	if err != nil {
		return err
	}
	cn := "lotsense CA"
	if site != "" {
		cn += " " + site
	}
	now := ca.now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"lotsense"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(validity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	ca.cert, err = x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	ca.key = key
	return nil
}

// adopt checks and takes an existing CA.
func (ca *CA) adopt(certFile, keyFile string) error {
	certs, err := ReadCerts(certFile)
	if err != nil {
		return err
	}
	key, err := readKey(keyFile)
	if err != nil {
		return err
	}
	c := certs[0]
	if !sameKey(c, key) {
		return fmt.Errorf("pki: %s is not the key of %s (the first certificate in it)", keyFile, certFile)
	}
	if !c.IsCA || !c.BasicConstraintsValid {
		return fmt.Errorf("pki: %s (%s) is not a CA certificate", certFile, c.Subject)
	}
	if c.KeyUsage != 0 && (c.KeyUsage&x509.KeyUsageCertSign == 0 || c.KeyUsage&x509.KeyUsageCRLSign == 0) {
		return fmt.Errorf("pki: %s (%s) may not sign both certificates and CRLs (key usage certSign and cRLSign)", certFile, c.Subject)
	}
	if len(c.SubjectKeyId) == 0 {
		return fmt.Errorf("pki: %s (%s) has no subject key identifier, which CRLs need", certFile, c.Subject)
	}
	if ca.now().After(c.NotAfter) {
		return fmt.Errorf("pki: %s (%s) expired on %s", certFile, c.Subject, c.NotAfter.Format(time.RFC3339))
	}
	ca.cert, ca.key = c, key
	return nil
}

// Open opens an existing CA directory.
func Open(dir string) (*CA, error) {
	certs, err := ReadCerts(filepath.Join(dir, CACertFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("pki: %s holds no CA (run lotsense-cloud pki init -dir %s first)", dir, dir)
		}
		return nil, err
	}
	key, err := readKey(filepath.Join(dir, CAKeyFile))
	if err != nil {
		return nil, err
	}
	if !sameKey(certs[0], key) {
		return nil, fmt.Errorf("pki: %s is not the key of %s", filepath.Join(dir, CAKeyFile), filepath.Join(dir, CACertFile))
	}
	idx, err := readIndex(dir)
	if err != nil {
		return nil, err
	}
	return &CA{dir: dir, cert: certs[0], key: key, idx: idx, now: time.Now}, nil
}

// SetClock replaces the CA's clock (tests).
func (ca *CA) SetClock(now func() time.Time) { ca.now = now }

// Dir returns the CA's directory.
func (ca *CA) Dir() string { return ca.dir }

// Cert returns the CA certificate.
func (ca *CA) Cert() *x509.Certificate { return ca.cert }

// Site returns the site the CA is limited to, or "".
func (ca *CA) Site() string { return ca.idx.Site }

// Path returns the absolute path of a file of the directory.
func (ca *CA) Path(name string) string {
	p, err := filepath.Abs(filepath.Join(ca.dir, name))
	if err != nil {
		return filepath.Join(ca.dir, name)
	}
	return p
}

// Records returns every certificate issued, by kind, name and age.
func (ca *CA) Records() []Record { return ca.idx.sorted() }

func newSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), serialBits))
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil // positive, never zero
}
