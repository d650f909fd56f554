package broker

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/lotsense/lotsense/cloud/broker/brokertest"
	"github.com/lotsense/lotsense/cloud/pki"
	"github.com/lotsense/lotsense/gateway/wire"
)

func startTLS(t *testing.T, p *brokertest.PKI, crlCheck time.Duration) *Broker {
	t.Helper()
	b, err := Start(Options{Address: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler), TLS: &TLSOptions{
		Address: "127.0.0.1:0", CAFile: p.CAFile, CertFile: p.CertFile, KeyFile: p.KeyFile, CRLFile: p.CRLFile,
		CRLCheck: crlCheck}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// The security suite against the embedded broker's TLS listener.
func TestTLSSuite(t *testing.T) {
	p := brokertest.NewPKI(t)
	b := startTLS(t, p, time.Hour) // the suite reloads by hand
	brokertest.Run(t, p, brokertest.Broker{URL: b.TLSURL(), Reload: b.ReloadCRL})
}

// Revoking a connected gateway disconnects it within CRLCheck, and it cannot connect
// again; the others stay.
func TestRevokedWhileConnected(t *testing.T) {
	p := brokertest.NewPKI(t)
	b := startTLS(t, p, 50*time.Millisecond)
	lost := make(chan error, 1)
	a, err := brokertest.Client(b.TLSURL(), p.CAFile, &p.GatewayA, "lotsense-site-1:gw-a", func(o *paho.ClientOptions) {
		o.SetConnectionLostHandler(func(_ paho.Client, err error) { lost <- err })
	})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Disconnect(0)
	bc, err := brokertest.Client(b.TLSURL(), p.CAFile, &p.GatewayB, "lotsense-site-1:gw-b")
	if err != nil {
		t.Fatal(err)
	}
	defer bc.Disconnect(0)
	if _, err := p.CA.Revoke(pki.KindGateway, p.GatewayA.Name, p.GatewayA.Serial); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-lost:
		t.Logf("revoked gateway disconnected: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("the revoked gateway is still connected")
	}
	if c, err := brokertest.Client(b.TLSURL(), p.CAFile, &p.GatewayA, "lotsense-site-1:gw-a"); err == nil {
		c.Disconnect(0)
		t.Fatal("the revoked gateway connected again")
	}
	if !bc.IsConnectionOpen() {
		t.Fatal("the other gateway was disconnected too")
	}
}

// A client id in use by one identity cannot be taken by another (nor by a client of the
// plain listener); the same identity takes its own session over, as after a reboot.
func TestClientIDTakeover(t *testing.T) {
	p := brokertest.NewPKI(t)
	b := startTLS(t, p, time.Hour)
	a, err := brokertest.Client(b.TLSURL(), p.CAFile, &p.GatewayA, "lotsense-site-1:gw-a")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Disconnect(0)
	if c, err := brokertest.Client(b.TLSURL(), p.CAFile, &p.GatewayB, "lotsense-site-1:gw-a"); err == nil {
		c.Disconnect(0)
		t.Fatal("B took over A's client id")
	}
	plain := paho.NewClient(paho.NewClientOptions().AddBroker(b.URL()).SetClientID("lotsense-site-1:gw-a").SetAutoReconnect(false))
	if tok := plain.Connect(); tok.WaitTimeout(5*time.Second) && tok.Error() == nil {
		plain.Disconnect(0)
		t.Fatal("a plain client took over A's client id")
	}
	if !a.IsConnectionOpen() {
		t.Fatal("A lost its connection to an attempted takeover")
	}
	again, err := brokertest.Client(b.TLSURL(), p.CAFile, &p.GatewayAOld, "lotsense-site-1:gw-a")
	if err != nil {
		t.Fatalf("A (its older certificate) taking over its own session: %v", err)
	}
	again.Disconnect(0)
}

// What the ACL refuses never reaches Deliver (ingest); what it allows does.
func TestACLBeforeDeliver(t *testing.T) {
	p := brokertest.NewPKI(t)
	var mu sync.Mutex
	var got []string
	b, err := Start(Options{Logger: slog.New(slog.DiscardHandler),
		Deliver: func(ctx context.Context, topic string, payload []byte) error {
			mu.Lock()
			got = append(got, topic)
			mu.Unlock()
			return nil
		},
		TLS: &TLSOptions{Address: "127.0.0.1:0", CAFile: p.CAFile, CertFile: p.CertFile, KeyFile: p.KeyFile, CRLFile: p.CRLFile}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Addr() != "" {
		t.Fatalf("TLS only, yet a plain listener on %s", b.Addr())
	}
	for _, tp := range []string{wire.Topic("site-1", "gw-b", wire.KindReadings), wire.Topic("site-1", "gw-a", wire.KindReadings)} {
		a, err := brokertest.Client(b.TLSURL(), p.CAFile, &p.GatewayA, "lotsense-site-1:gw-a")
		if err != nil {
			t.Fatal(err)
		}
		a.Publish(tp, 1, false, "x").WaitTimeout(5 * time.Second)
		a.Disconnect(0)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != wire.Topic("site-1", "gw-a", wire.KindReadings) {
		t.Fatalf("delivered %q", got)
	}
}
