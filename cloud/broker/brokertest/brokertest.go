// Package brokertest is one suite of security tests run against every broker lotsense
// supports — the embedded broker (cloud/broker) and a real Mosquitto configured from
// deploy/mosquitto — with certificates made by cloud/pki: who may connect, publish and
// read what.
package brokertest

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/lotsense/lotsense/cloud/pki"
	"github.com/lotsense/lotsense/gateway/wire"
)

// Site is the site of the suite's gateways.
const Site = "site-1"

// PKI is the CA directory a broker under test is started from, and the identities
// the suite connects with.
type PKI struct {
	CA *pki.CA
	// Files for the broker: cafile, certfile, keyfile, crlfile.
	CAFile, CertFile, KeyFile, CRLFile string

	Cloud Identity // CN cloud
	// GatewayA is site-1/gw-a, rotated: GatewayAOld is its first certificate, still valid.
	GatewayA, GatewayAOld Identity
	GatewayB              Identity // site-1/gw-b
	Revoked               Identity // site-1/gw-r, revoked before the broker starts
	// Foreign is site-1/gw-a again, from another CA the broker does not trust.
	Foreign Identity
}

// Identity is a certificate and key a client connects with.
type Identity struct {
	Name, Serial string
	TLS          tls.Certificate
}

// identity loads what Enroll, Rotate or Cloud issued.
func identity(t testing.TB) func(pki.Issued, error) Identity {
	return func(is pki.Issued, err error) Identity {
		t.Helper()
		must(t, err)
		c, err := tls.LoadX509KeyPair(is.CertFile, is.KeyFile)
		must(t, err)
		return Identity{Name: is.Name, Serial: is.Serial, TLS: c}
	}
}

// NewPKI makes a CA in a temporary directory with a server certificate for 127.0.0.1
// and the suite's identities.
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	dir := t.TempDir()
	ca, err := pki.Init(filepath.Join(dir, "pki"), pki.InitOptions{Site: Site})
	must(t, err)
	srv, err := ca.Server([]string{"127.0.0.1", "localhost"}, pki.IssueOptions{})
	must(t, err)
	p := &PKI{CA: ca, CAFile: ca.Path(pki.CACertFile), CertFile: srv.CertFile, KeyFile: srv.KeyFile, CRLFile: ca.Path(pki.CRLFile)}
	p.Cloud = identity(t)(ca.Cloud("", pki.IssueOptions{}))
	p.GatewayAOld = identity(t)(ca.Enroll(Site, "gw-a", pki.IssueOptions{}))
	p.GatewayA = identity(t)(ca.Rotate(Site, "gw-a", pki.IssueOptions{})) // replaces the files
	p.GatewayB = identity(t)(ca.Enroll(Site, "gw-b", pki.IssueOptions{}))
	p.Revoked = identity(t)(ca.Enroll(Site, "gw-r", pki.IssueOptions{}))
	_, err = ca.Revoke(pki.KindGateway, pki.GatewayIdentity(Site, "gw-r"), "")
	must(t, err)
	other, err := pki.Init(filepath.Join(dir, "other"), pki.InitOptions{Site: Site})
	must(t, err)
	p.Foreign = identity(t)(other.Enroll(Site, "gw-a", pki.IssueOptions{}))
	return p
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Broker is a running broker under test.
type Broker struct {
	// URL is its TLS listener, ssl://127.0.0.1:port.
	URL string
	// Reload makes it read the revocation list again (Mosquitto: SIGHUP).
	Reload func() error
}

// topic of the suite's gateways.
func topic(gw string, k wire.Kind) string { return wire.Topic(Site, gw, k) }

// Run runs the suite. p must be what the broker was started from.
func Run(t *testing.T, p *PKI, b Broker) {
	t.Run("ValidGatewayPublishes", func(t *testing.T) { validPublishes(t, p, b) })
	t.Run("NoCertificateRefused", func(t *testing.T) {
		refused(t, b.URL, p.CAFile, nil, "no certificate")
	})
	t.Run("OtherCARefused", func(t *testing.T) {
		refused(t, b.URL, p.CAFile, &p.Foreign, "a certificate of another CA")
	})
	t.Run("RevokedRefused", func(t *testing.T) {
		refused(t, b.URL, p.CAFile, &p.Revoked, "a revoked certificate")
	})
	t.Run("CannotPublishAsAnother", func(t *testing.T) { cannotPublishAsAnother(t, p, b) })
	t.Run("CannotReadAnothersHolds", func(t *testing.T) { cannotReadAnothersHolds(t, p, b) })
	t.Run("CannotForgeDownTopics", func(t *testing.T) { cannotForgeDown(t, p, b) })
	t.Run("ForeignWillNeverDelivered", func(t *testing.T) { foreignWill(t, p, b) })
	t.Run("RevokeAfterRotation", func(t *testing.T) { revokeAfterRotation(t, p, b) })
}

// Client connects to url with the identity id (nil: no certificate). The error is the
// connect's.
func Client(url, caFile string, id *Identity, clientID string, opts ...func(*paho.ClientOptions)) (paho.Client, error) {
	conf, err := pki.ClientTLS(caFile, "", "")
	if err != nil {
		return nil, err
	}
	if id != nil {
		conf.Certificates = []tls.Certificate{id.TLS}
	}
	o := paho.NewClientOptions().AddBroker(url).SetClientID(clientID).SetTLSConfig(conf).
		SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(5 * time.Second).
		SetOrderMatters(false)
	for _, f := range opts {
		f(o)
	}
	c := paho.NewClient(o)
	tok := c.Connect()
	if !tok.WaitTimeout(10 * time.Second) {
		return nil, fmt.Errorf("connect: no answer within 10s")
	}
	if tok.Error() != nil {
		return nil, tok.Error()
	}
	return c, nil
}

func mustClient(t *testing.T, url, caFile string, id *Identity, clientID string, opts ...func(*paho.ClientOptions)) paho.Client {
	t.Helper()
	c, err := Client(url, caFile, id, clientID, opts...)
	if err != nil {
		t.Fatalf("connect as %s: %v", id.Name, err)
	}
	t.Cleanup(func() { c.Disconnect(0) })
	return c
}

func refused(t *testing.T, url, caFile string, id *Identity, what string) {
	c, err := Client(url, caFile, id, "lotsense-intruder")
	if err == nil {
		c.Disconnect(0)
		t.Fatalf("connected with %s", what)
	}
	t.Logf("%s: %v", what, err)
}

// inbox collects what a subscriber receives.
type inbox struct {
	mu   sync.Mutex
	msgs []string // topic + " " + payload
	ch   chan string
}

func newInbox() *inbox { return &inbox{ch: make(chan string, 1000)} }

func (in *inbox) handle(_ paho.Client, m paho.Message) {
	s := m.Topic() + " " + string(m.Payload())
	in.mu.Lock()
	in.msgs = append(in.msgs, s)
	in.mu.Unlock()
	in.ch <- s
}

// await waits for want, failing on any message in bad before it.
func (in *inbox) await(t *testing.T, want string, bad func(string) bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case s := <-in.ch:
			if bad != nil && bad(s) {
				t.Fatalf("received %q", s)
			}
			if s == want {
				return
			}
		case <-deadline:
			t.Fatalf("%q never arrived", want)
		}
	}
}

func (in *inbox) all() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]string(nil), in.msgs...)
}

func subscribe(t *testing.T, c paho.Client, in *inbox, filters ...string) {
	t.Helper()
	for _, f := range filters {
		tok := c.Subscribe(f, 1, in.handle)
		if !tok.WaitTimeout(10 * time.Second) {
			t.Fatalf("subscribe %s: no SUBACK", f)
		}
		// A refused subscription is fine (the embedded broker refuses one that can
		// deliver nothing; Mosquitto accepts it and delivers nothing).
	}
}

func publish(c paho.Client, topic string, retained bool, payload string) error {
	tok := c.Publish(topic, 1, retained, payload)
	if !tok.WaitTimeout(5 * time.Second) {
		return fmt.Errorf("publish %s: no PUBACK within 5s", topic)
	}
	return tok.Error()
}

// cloudInbox connects the cloud and subscribes to every up kind of every gateway, as
// ingest does.
func cloudInbox(t *testing.T, p *PKI, b Broker, clientID string) *inbox {
	t.Helper()
	c := mustClient(t, b.URL, p.CAFile, &p.Cloud, clientID)
	in := newInbox()
	var fs []string
	for _, k := range wire.UpKinds {
		fs = append(fs, wire.Subscription(k, ""))
	}
	subscribe(t, c, in, fs...)
	return in
}

func validPublishes(t *testing.T, p *PKI, b Broker) {
	in := cloudInbox(t, p, b, "cloud-valid")
	a := mustClient(t, b.URL, p.CAFile, &p.GatewayA, "lotsense-site-1:gw-a")
	for _, k := range wire.UpKinds {
		if err := publish(a, topic("gw-a", k), false, "valid"); err != nil {
			t.Fatal(err)
		}
		in.await(t, topic("gw-a", k)+" valid", nil)
	}
	// Until it is revoked or expires, the certificate a rotation replaced works too.
	old := mustClient(t, b.URL, p.CAFile, &p.GatewayAOld, "lotsense-site-1:gw-a-old")
	if err := publish(old, topic("gw-a", wire.KindReadings), false, "old certificate"); err != nil {
		t.Fatal(err)
	}
	in.await(t, topic("gw-a", wire.KindReadings)+" old certificate", nil)
}

// A's messages on B's topics (and the cloud's on an up topic) never reach the cloud:
// a message A then sends on its own topic does, and nothing of B's came before it.
func cannotPublishAsAnother(t *testing.T, p *PKI, b Broker) {
	in := cloudInbox(t, p, b, "cloud-spoof")
	forged := func(s string) bool {
		return s == topic("gw-b", wire.KindReadings)+" forged" || s == topic("gw-b", wire.KindStatus)+" forged" ||
			s == topic("gw-a", wire.KindEvents)+" forged"
	}
	for _, tp := range []string{topic("gw-b", wire.KindReadings), topic("gw-b", wire.KindStatus), wire.Topic("site-2", "gw-a", wire.KindReadings)} {
		a, err := Client(b.URL, p.CAFile, &p.GatewayA, "lotsense-site-1:gw-a")
		if err != nil {
			t.Fatal(err)
		}
		// Mosquitto acknowledges and drops it; the embedded broker drops the
		// connection (MQTT 3.1.1 has no refusal code for a publish).
		err = publish(a, tp, false, "forged")
		t.Logf("A publishing on %s: %v", tp, err)
		a.Disconnect(0)
	}
	cl := mustClient(t, b.URL, p.CAFile, &p.Cloud, "cloud-spoof-pub")
	t.Logf("the cloud publishing on an up topic: %v", publish(cl, topic("gw-a", wire.KindEvents), false, "forged"))

	a := mustClient(t, b.URL, p.CAFile, &p.GatewayA, "lotsense-site-1:gw-a")
	if err := publish(a, topic("gw-a", wire.KindReadings), false, "marker"); err != nil {
		t.Fatal(err)
	}
	in.await(t, topic("gw-a", wire.KindReadings)+" marker", forged)
	for _, s := range in.all() {
		if forged(s) {
			t.Fatalf("the cloud received %q", s)
		}
	}
}

// The cloud's retained holds for B never reach A, whatever A subscribes to; A's own do.
func cannotReadAnothersHolds(t *testing.T, p *PKI, b Broker) {
	cl := mustClient(t, b.URL, p.CAFile, &p.Cloud, "cloud-holds")
	for _, gw := range []string{"gw-b", "gw-a"} {
		if err := publish(cl, topic(gw, wire.KindHolds), true, "holds of "+gw); err != nil {
			t.Fatal(err)
		}
	}
	// B's are delivered to B: the test would prove nothing if they were not there.
	bIn := newInbox()
	subscribe(t, mustClient(t, b.URL, p.CAFile, &p.GatewayB, "lotsense-site-1:gw-b"), bIn, topic("gw-b", wire.KindHolds))
	bIn.await(t, topic("gw-b", wire.KindHolds)+" holds of gw-b", nil)

	in := newInbox()
	a := mustClient(t, b.URL, p.CAFile, &p.GatewayA, "lotsense-site-1:gw-a")
	subscribe(t, a, in, topic("gw-b", wire.KindHolds), "lotsense/v1/"+Site+"/+/holds", "lotsense/v1/#", "#",
		"$share/g/lotsense/v1/+/+/holds", topic("gw-a", wire.KindHolds))
	isB := func(s string) bool { return s == topic("gw-b", wire.KindHolds)+" holds of gw-b" }
	in.await(t, topic("gw-a", wire.KindHolds)+" holds of gw-a", isB)
	// B's holds change while A is subscribed: still nothing for A.
	if err := publish(cl, topic("gw-b", wire.KindHolds), true, "holds of gw-b"); err != nil {
		t.Fatal(err)
	}
	bIn.await(t, topic("gw-b", wire.KindHolds)+" holds of gw-b", nil)
	if err := publish(cl, topic("gw-a", wire.KindHolds), true, "holds of gw-a, 2"); err != nil {
		t.Fatal(err)
	}
	in.await(t, topic("gw-a", wire.KindHolds)+" holds of gw-a, 2", isB)
	for _, s := range in.all() {
		if isB(s) {
			t.Fatalf("A received %q", s)
		}
	}
}

// A gateway cannot publish on its own down topics: its retained holds stay the cloud's.
func cannotForgeDown(t *testing.T, p *PKI, b Broker) {
	cl := mustClient(t, b.URL, p.CAFile, &p.Cloud, "cloud-forge")
	if err := publish(cl, topic("gw-a", wire.KindLotMap), true, "the cloud's lot map"); err != nil {
		t.Fatal(err)
	}
	a, err := Client(b.URL, p.CAFile, &p.GatewayA, "lotsense-site-1:gw-a")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("A publishing on its own lotmap topic: %v", publish(a, topic("gw-a", wire.KindLotMap), true, "forged"))
	a.Disconnect(0)
	in := newInbox()
	subscribe(t, mustClient(t, b.URL, p.CAFile, &p.GatewayA, "lotsense-site-1:gw-a"), in, topic("gw-a", wire.KindLotMap))
	in.await(t, topic("gw-a", wire.KindLotMap)+" the cloud's lot map", func(s string) bool { return s == topic("gw-a", wire.KindLotMap)+" forged" })
}

// A's last will on B's status topic is never published: the embedded broker refuses
// the connection, Mosquitto drops the will when A's connection breaks.
func foreignWill(t *testing.T, p *PKI, b Broker) {
	in := cloudInbox(t, p, b, "cloud-will")
	var conn net.Conn
	var mu sync.Mutex
	dial := func(o *paho.ClientOptions) {
		o.SetBinaryWill(topic("gw-b", wire.KindStatus), []byte("forged will"), 1, true)
		o.SetCustomOpenConnectionFn(func(u *url.URL, o paho.ClientOptions) (net.Conn, error) {
			c, err := tls.Dial("tcp", u.Host, o.TLSConfig)
			if err != nil {
				return nil, err
			}
			mu.Lock()
			conn = c
			mu.Unlock()
			return c, nil
		})
	}
	a, err := Client(b.URL, p.CAFile, &p.GatewayA, "lotsense-site-1:gw-a", dial)
	if err == nil {
		mu.Lock()
		conn.Close() // the connection breaks: no DISCONNECT, so the will is due
		mu.Unlock()
		a.Disconnect(0)
	}
	t.Logf("A connecting with a will on B's status: %v", err)
	m := mustClient(t, b.URL, p.CAFile, &p.GatewayA, "lotsense-site-1:gw-a")
	time.Sleep(200 * time.Millisecond) // the broker notices the broken connection
	if err := publish(m, topic("gw-a", wire.KindStatus), false, "marker"); err != nil {
		t.Fatal(err)
	}
	in.await(t, topic("gw-a", wire.KindStatus)+" marker", func(s string) bool { return s == topic("gw-b", wire.KindStatus)+" forged will" })
}

// After a rotation the old certificate is revoked by serial: once the broker has read
// the list, the old one is refused and the new one still works.
func revokeAfterRotation(t *testing.T, p *PKI, b Broker) {
	if _, err := p.CA.Revoke(pki.KindGateway, p.GatewayAOld.Name, p.GatewayAOld.Serial); err != nil {
		t.Fatal(err)
	}
	if err := b.Reload(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := Client(b.URL, p.CAFile, &p.GatewayAOld, "lotsense-site-1:gw-a-old")
		if err != nil {
			break
		}
		c.Disconnect(0)
		if time.Now().After(deadline) {
			t.Fatal("the revoked certificate is still accepted 10s after the reload")
		}
		time.Sleep(50 * time.Millisecond)
	}
	in := cloudInbox(t, p, b, "cloud-rotated")
	a := mustClient(t, b.URL, p.CAFile, &p.GatewayA, "lotsense-site-1:gw-a")
	if err := publish(a, topic("gw-a", wire.KindReadings), false, "new certificate"); err != nil {
		t.Fatal(err)
	}
	in.await(t, topic("gw-a", wire.KindReadings)+" new certificate", nil)
}
