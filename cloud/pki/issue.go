package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
)

// IssueOptions configure one certificate.
type IssueOptions struct {
	// Validity is how long the certificate is valid; DefaultCertValidity when zero. It
	// never outlives the CA.
	Validity time.Duration
}

// Issued is a certificate just issued and the files it was written to.
type Issued struct {
	Record
	Cert              *x509.Certificate
	CertFile, KeyFile string // absolute paths; the key file has mode 0600
}

// GatewayIdentity returns a gateway's identity, the common name of its certificate:
// <site>/<gateway>. The broker takes it as the MQTT user name, so the ACL pattern
// lotsense/v1/%u/<kind> names exactly the gateway's own topics.
func GatewayIdentity(site, gateway string) string { return site + "/" + gateway }

// ParseGatewayIdentity splits <site>/<gateway> and checks both ids.
func ParseGatewayIdentity(s string) (site, gateway string, err error) {
	site, gateway, ok := strings.Cut(s, "/")
	if !ok {
		return "", "", fmt.Errorf("pki: gateway %q: want <site>/<gateway>", s)
	}
	if err := wire.CheckID("site", site); err != nil {
		return "", "", fmt.Errorf("pki: %w", err)
	}
	if err := wire.CheckID("gateway", gateway); err != nil {
		return "", "", fmt.Errorf("pki: %w", err)
	}
	return site, gateway, nil
}

// GatewayFiles returns where a gateway's current certificate and key are kept,
// relative to the CA directory.
func GatewayFiles(site, gateway string) (cert, key string) {
	base := filepath.Join("gateways", site, gateway)
	return base + ".crt", base + ".key"
}

// Enroll issues the first certificate of a gateway. It refuses a gateway that holds a
// valid certificate already: Rotate issues the next one.
func (ca *CA) Enroll(site, gateway string, o IssueOptions) (Issued, error) {
	id, err := ca.gatewayID(site, gateway)
	if err != nil {
		return Issued{}, err
	}
	for _, r := range ca.idx.find(KindGateway, id) {
		if r.Valid(ca.now()) {
			return Issued{}, fmt.Errorf("pki: gateway %s is enrolled already (certificate %s, valid until %s): "+
				"rotate it for a new certificate, or revoke it first", id, r.Serial, r.NotAfter.Format(time.DateOnly))
		}
	}
	return ca.issueGateway(site, gateway, o)
}

// Rotate issues a new certificate for an enrolled gateway. The previous ones stay valid
// until they expire or are revoked, so the gateway keeps publishing while the new files
// are rolled out; its previous certificate file is kept as <gateway>.<serial>.crt.
func (ca *CA) Rotate(site, gateway string, o IssueOptions) (Issued, error) {
	id, err := ca.gatewayID(site, gateway)
	if err != nil {
		return Issued{}, err
	}
	if len(ca.idx.find(KindGateway, id)) == 0 {
		return Issued{}, fmt.Errorf("pki: gateway %s is not enrolled (enroll it first)", id)
	}
	return ca.issueGateway(site, gateway, o)
}

func (ca *CA) gatewayID(site, gateway string) (string, error) {
	id := GatewayIdentity(site, gateway)
	if _, _, err := ParseGatewayIdentity(id); err != nil {
		return "", err
	}
	if ca.idx.Site != "" && site != ca.idx.Site {
		return "", fmt.Errorf("pki: gateway %s: this CA enrols gateways of site %s only", id, ca.idx.Site)
	}
	return id, nil
}

func (ca *CA) issueGateway(site, gateway string, o IssueOptions) (Issued, error) {
	cert, key := GatewayFiles(site, gateway)
	return ca.issue(KindGateway, GatewayIdentity(site, gateway), cert, key, o, func(t *x509.Certificate) {
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	})
}

// Cloud issues a client certificate for the cloud with common name name
// (DefaultCloudIdentity when empty), written to clients/<name>.crt and .key. Issuing
// again rotates it: the previous one stays valid until it expires or is revoked.
func (ca *CA) Cloud(name string, o IssueOptions) (Issued, error) {
	if name == "" {
		name = DefaultCloudIdentity
	}
	if err := wire.CheckID("cloud identity", name); err != nil {
		return Issued{}, fmt.Errorf("pki: %w", err)
	}
	base := filepath.Join("clients", name)
	return ca.issue(KindCloud, name, base+".crt", base+".key", o, func(t *x509.Certificate) {
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	})
}

// ServerFiles are the broker's certificate and key, relative to the CA directory.
const (
	ServerCertFile = "server.crt"
	ServerKeyFile  = "server.key"
)

// Server issues the broker's server certificate for hosts (names or IP addresses, the
// first is also its common name), written to server.crt and server.key. Issuing again
// replaces them; the previous certificate is kept as server.<serial>.crt.
func (ca *CA) Server(hosts []string, o IssueOptions) (Issued, error) {
	if len(hosts) == 0 {
		return Issued{}, errors.New("pki: a server certificate needs at least one host name or address")
	}
	var dns []string
	var ips []net.IP
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		if ip := net.ParseIP(h); ip != nil {
			ips = append(ips, ip)
			continue
		}
		if h == "" || strings.ContainsAny(h, " /:@") {
			return Issued{}, fmt.Errorf("pki: %q is not a host name or IP address", h)
		}
		dns = append(dns, h)
	}
	return ca.issue(KindServer, strings.TrimSpace(hosts[0]), ServerCertFile, ServerKeyFile, o, func(t *x509.Certificate) {
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		t.DNSNames, t.IPAddresses = dns, ips
	})
}

// issue makes a key and a certificate signed by the CA and writes them to certRel and
// keyRel (relative to the directory), keeping a previous certificate there under its
// serial number; it records the certificate in the index.
func (ca *CA) issue(kind Kind, cn, certRel, keyRel string, o IssueOptions, set func(*x509.Certificate)) (Issued, error) {
	if o.Validity <= 0 {
		o.Validity = DefaultCertValidity
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Issued{}, fmt.Errorf("pki: %w", err)
	}
	serial, err := newSerial()
	if err != nil {
		return Issued{}, err
	}
	now := ca.now()
	notAfter := now.Add(o.Validity)
	if notAfter.After(ca.cert.NotAfter) {
		notAfter = ca.cert.NotAfter
	}
	if !notAfter.After(now) {
		return Issued{}, fmt.Errorf("pki: the CA expired on %s", ca.cert.NotAfter.Format(time.RFC3339))
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{CommonName: cn, Organization: []string{"lotsense"},
			OrganizationalUnit: []string{string(kind)}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	set(tmpl)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return Issued{}, fmt.Errorf("pki: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return Issued{}, fmt.Errorf("pki: %w", err)
	}
	kp, err := keyPEM(key)
	if err != nil {
		return Issued{}, err
	}
	if err := ca.archive(certRel); err != nil {
		return Issued{}, err
	}
	if err := writeFile(filepath.Join(ca.dir, keyRel), kp, 0o600); err != nil {
		return Issued{}, err
	}
	if err := writeFile(filepath.Join(ca.dir, certRel), certPEM(der), 0o644); err != nil {
		return Issued{}, err
	}
	r := Record{Serial: serialHex(serial), Kind: kind, Name: cn, NotBefore: cert.NotBefore, NotAfter: cert.NotAfter, File: certRel}
	ca.idx.Certs = append(ca.idx.Certs, r)
	if err := ca.idx.write(ca.dir); err != nil {
		return Issued{}, err
	}
	return Issued{Record: r, Cert: cert, CertFile: ca.Path(certRel), KeyFile: ca.Path(keyRel)}, nil
}

// archive renames the certificate file at rel, if any, to <name>.<serial>.crt, so the
// current name is free for its successor and the old one can still be looked up.
func (ca *CA) archive(rel string) error {
	for i := range ca.idx.Certs {
		r := &ca.idx.Certs[i]
		if r.File != rel {
			continue
		}
		to := strings.TrimSuffix(rel, ".crt") + "." + r.Serial + ".crt"
		if err := os.Rename(filepath.Join(ca.dir, rel), filepath.Join(ca.dir, to)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("pki: %w", err)
		}
		r.File = to
	}
	return nil
}
