package pki

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func mustInit(t *testing.T, o InitOptions) *CA {
	t.Helper()
	ca, err := Init(filepath.Join(t.TempDir(), "pki"), o)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// verify checks cert chains to the CA of dir for usage.
func verify(t *testing.T, ca *CA, cert *x509.Certificate, usage x509.ExtKeyUsage, host string) error {
	t.Helper()
	pool, err := CertPool(ca.Path(CACertFile))
	if err != nil {
		t.Fatal(err)
	}
	_, err = cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{usage}, DNSName: host})
	return err
}

func mode(t *testing.T, name string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func readCRL(t *testing.T, ca *CA) *x509.RevocationList {
	t.Helper()
	data, err := os.ReadFile(ca.Path(CRLFile))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "X509 CRL" {
		t.Fatalf("crl.pem: no X509 CRL block")
	}
	crl, err := x509.ParseRevocationList(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(ca.Cert()); err != nil {
		t.Fatalf("CRL signature: %v", err)
	}
	return crl
}

func TestInitAndEnroll(t *testing.T) {
	ca := mustInit(t, InitOptions{Site: "site-1"})
	c := ca.Cert()
	if !c.IsCA || c.Subject.CommonName != "lotsense CA site-1" || c.PublicKeyAlgorithm != x509.ECDSA {
		t.Fatalf("CA %s, IsCA %v, %v", c.Subject, c.IsCA, c.PublicKeyAlgorithm)
	}
	if m := mode(t, ca.Path(CAKeyFile)); m != 0o600 {
		t.Errorf("ca.key mode %v, want 0600", m)
	}
	if m := mode(t, ca.Dir()); m != 0o700 {
		t.Errorf("directory mode %v, want 0700", m)
	}
	if crl := readCRL(t, ca); len(crl.RevokedCertificateEntries) != 0 || !crl.NextUpdate.Equal(c.NotAfter) {
		t.Fatalf("new CRL: %d entries, next update %v (CA until %v)", len(crl.RevokedCertificateEntries), crl.NextUpdate, c.NotAfter)
	}

	is, err := ca.Enroll("site-1", "dock-1", IssueOptions{Validity: 90 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if is.Cert.Subject.CommonName != "site-1/dock-1" || is.Name != "site-1/dock-1" {
		t.Fatalf("CN %q", is.Cert.Subject.CommonName)
	}
	if err := verify(t, ca, is.Cert, x509.ExtKeyUsageClientAuth, ""); err != nil {
		t.Fatal(err)
	}
	if err := verify(t, ca, is.Cert, x509.ExtKeyUsageServerAuth, ""); err == nil {
		t.Fatal("a gateway certificate serves as a server's")
	}
	if d := is.Cert.NotAfter.Sub(is.Cert.NotBefore); d != 90*24*time.Hour+backdate {
		t.Fatalf("validity %v", d)
	}
	if m := mode(t, is.KeyFile); m != 0o600 {
		t.Errorf("gateway key mode %v, want 0600", m)
	}
	if want := ca.Path("gateways/site-1/dock-1.crt"); is.CertFile != want {
		t.Fatalf("cert file %s, want %s", is.CertFile, want)
	}
	if _, err := ClientTLS(ca.Path(CACertFile), is.CertFile, is.KeyFile); err != nil {
		t.Fatal(err)
	}

	// The directory opens again with the same records.
	again, err := Open(ca.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if r := again.Records(); len(r) != 1 || r[0].Serial != is.Serial || again.Site() != "site-1" {
		t.Fatalf("records after Open: %+v", r)
	}
	if _, err := Init(ca.Dir(), InitOptions{}); err == nil {
		t.Fatal("Init over an existing CA")
	}
}

func TestEnrollRefuses(t *testing.T) {
	ca := mustInit(t, InitOptions{Site: "site-1"})
	if _, err := ca.Enroll("site-1", "dock-1", IssueOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"site-1/dock-1", "site-2/dock-1", "site-1/Dock", "site-1/+", "site-1", "site-1/a/b", "/dock", "#/x"} {
		site, gw, _ := strings.Cut(id, "/")
		if _, err := ca.Enroll(site, gw, IssueOptions{}); err == nil {
			t.Errorf("Enroll %s: no error", id)
		}
	}
	if _, err := ca.Rotate("site-1", "dock-2", IssueOptions{}); err == nil {
		t.Error("Rotate of a gateway never enrolled")
	}
}

// Rotation issues a new certificate and keeps the old one valid (and its file) until it
// is revoked by serial; revoking then lists only the old one.
func TestRotateAndRevoke(t *testing.T) {
	ca := mustInit(t, InitOptions{})
	old, err := ca.Enroll("site-1", "dock-1", IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := ca.Enroll("site-2", "dock-1", IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cur, err := ca.Rotate("site-1", "dock-1", IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cur.Serial == old.Serial || cur.CertFile != old.CertFile {
		t.Fatalf("rotated: serial %s (old %s), file %s (old %s)", cur.Serial, old.Serial, cur.CertFile, old.CertFile)
	}
	archived := ca.Path("gateways/site-1/dock-1." + old.Serial + ".crt")
	if certs, err := ReadCerts(archived); err != nil || certs[0].SerialNumber.Cmp(old.Cert.SerialNumber) != 0 {
		t.Fatalf("old certificate kept as %s: %v", archived, err)
	}
	rev, err := NewRevocations(ca.Path(CRLFile), []*x509.Certificate{ca.Cert()})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*x509.Certificate{old.Cert, cur.Cert, other.Cert} {
		if err := rev.Check(c); err != nil {
			t.Fatalf("before revocation: %v", err)
		}
	}

	got, err := ca.Revoke(KindGateway, "site-1/dock-1", strings.ToLower(old.Serial))
	if err != nil || len(got) != 1 || got[0].Serial != old.Serial {
		t.Fatalf("Revoke old: %v %+v", err, got)
	}
	crl := readCRL(t, ca)
	if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(old.Cert.SerialNumber) != 0 {
		t.Fatalf("CRL entries %+v", crl.RevokedCertificateEntries)
	}
	if crl.Number.Int64() != 2 {
		t.Fatalf("CRL number %v, want 2", crl.Number)
	}
	if err := rev.Check(old.Cert); !errors.Is(err, ErrRevoked) {
		t.Fatalf("old after revocation: %v", err)
	}
	if err := rev.Check(cur.Cert); err != nil {
		t.Fatalf("current after revoking the old: %v", err)
	}

	// Revoking the identity revokes what is left of it, not another site's gateway.
	if got, err := ca.Revoke(KindGateway, "site-1/dock-1", ""); err != nil || len(got) != 1 || got[0].Serial != cur.Serial {
		t.Fatalf("Revoke all: %v %+v", err, got)
	}
	if _, err := ca.Revoke(KindGateway, "site-1/dock-1", ""); err == nil {
		t.Fatal("revoking twice: no error")
	}
	if err := rev.Check(cur.Cert); !errors.Is(err, ErrRevoked) {
		t.Fatalf("current after revoking all: %v", err)
	}
	if err := rev.Check(other.Cert); err != nil {
		t.Fatal(err)
	}
	// A revoked gateway may enrol again (a replaced box keeps its id).
	if _, err := ca.Enroll("site-1", "dock-1", IssueOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestServerAndCloud(t *testing.T) {
	ca := mustInit(t, InitOptions{})
	srv, err := ca.Server([]string{"127.0.0.1", "mqtt.example.com", "::1"}, IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"127.0.0.1", "mqtt.example.com", "::1"} {
		if err := verify(t, ca, srv.Cert, x509.ExtKeyUsageServerAuth, h); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
	if err := verify(t, ca, srv.Cert, x509.ExtKeyUsageServerAuth, "other.example.com"); err == nil {
		t.Error("server certificate valid for a host not given")
	}
	if _, err := ca.Server([]string{"http://x"}, IssueOptions{}); err == nil {
		t.Error("a URL as host")
	}
	cl, err := ca.Cloud("", IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cl.Cert.Subject.CommonName != DefaultCloudIdentity || verify(t, ca, cl.Cert, x509.ExtKeyUsageClientAuth, "") != nil {
		t.Fatalf("cloud certificate %s", cl.Cert.Subject)
	}
	if _, err := ca.Cloud("a/b", IssueOptions{}); err == nil {
		t.Error("cloud identity with a slash")
	}
}

// An existing CA is adopted: what the directory issues verifies against it.
func TestExistingCA(t *testing.T) {
	orig := mustInit(t, InitOptions{})
	ca := mustInit(t, InitOptions{CACert: orig.Path(CACertFile), CAKey: orig.Path(CAKeyFile)})
	is, err := ca.Enroll("s", "g", IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := verify(t, orig, is.Cert, x509.ExtKeyUsageClientAuth, ""); err != nil {
		t.Fatal(err)
	}
	other := mustInit(t, InitOptions{})
	if _, err := Init(t.TempDir(), InitOptions{CACert: orig.Path(CACertFile), CAKey: other.Path(CAKeyFile)}); err == nil {
		t.Fatal("a CA certificate with another CA's key")
	}
	if _, err := Init(t.TempDir(), InitOptions{CACert: is.CertFile, CAKey: is.KeyFile}); err == nil {
		t.Fatal("a gateway certificate as CA")
	}
}

// A certificate never outlives its CA.
func TestValidityWithinCA(t *testing.T) {
	ca := mustInit(t, InitOptions{Validity: 30 * 24 * time.Hour})
	is, err := ca.Enroll("s", "g", IssueOptions{Validity: 365 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if !is.Cert.NotAfter.Equal(ca.Cert().NotAfter) {
		t.Fatalf("gateway until %v, CA until %v", is.Cert.NotAfter, ca.Cert().NotAfter)
	}
	ca.SetClock(func() time.Time { return time.Now().Add(31 * 24 * time.Hour) })
	if _, err := ca.Enroll("s", "h", IssueOptions{}); err == nil {
		t.Fatal("issued by an expired CA")
	}
}

// The revocation checker refuses what it cannot vouch for, as OpenSSL does, reads the
// file again when it changes, and keeps the last good lists when it breaks.
func TestRevocations(t *testing.T) {
	ca := mustInit(t, InitOptions{})
	other := mustInit(t, InitOptions{})
	mine, _ := ca.Enroll("s", "g", IssueOptions{})
	theirs, _ := other.Enroll("s", "g", IssueOptions{})
	if _, err := NewRevocations(other.Path(CRLFile), []*x509.Certificate{ca.Cert()}); err == nil {
		t.Fatal("a CRL signed by another CA accepted")
	}
	rev, err := NewRevocations(ca.Path(CRLFile), []*x509.Certificate{ca.Cert()})
	if err != nil {
		t.Fatal(err)
	}
	if err := rev.Check(theirs.Cert); err == nil || errors.Is(err, ErrRevoked) {
		t.Fatalf("certificate of a CA without a CRL in the file: %v", err)
	}
	if _, err := ca.Revoke(KindGateway, "s/g", ""); err != nil {
		t.Fatal(err)
	}
	if err := rev.Check(mine.Cert); !errors.Is(err, ErrRevoked) {
		t.Fatalf("after the file changed: %v", err)
	}
	if err := os.WriteFile(ca.Path(CRLFile), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := rev.Check(mine.Cert); !errors.Is(err, ErrRevoked) || rev.Err() == nil {
		t.Fatalf("after the file broke: %v (Err %v)", err, rev.Err())
	}
	rev.now = func() time.Time { return ca.Cert().NotAfter.Add(time.Hour) }
	is, _ := ca.Enroll("s", "h", IssueOptions{})
	if err := rev.Check(is.Cert); err == nil {
		t.Fatal("a CRL past its next update vouches")
	}
}
