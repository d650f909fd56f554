// Package broker runs the MQTT broker embedded in lotsense-cloud (mochi-mqtt), so the
// demo and small single-site installs need no separate Mosquitto. At fleet scale the
// cloud connects to Mosquitto or an EMQX cluster instead, with the same topics.
package broker

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"math"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/lotsense/lotsense/cloud/pki"
)

// Options configure the embedded broker.
type Options struct {
	// Address to listen on for MQTT over TCP, e.g. 127.0.0.1:1883 (port 0 picks one).
	// Every client is allowed there: keep it on loopback. With TLS set and Address
	// empty, the broker listens on TLS only.
	Address string
	// TLS, when set, adds a listener where clients present certificates and the ACL
	// applies (see TLSOptions).
	TLS    *TLSOptions
	Logger *slog.Logger
	// Deliver, when set, is called for every message published on a topic Intercept
	// accepts, before the broker acknowledges it, and the PUBACK waits for it: nil means
	// the message is stored (it then goes on to subscribers as usual); an error means it
	// is not, and the broker drops the publisher's connection without acknowledging, so
	// the publisher sends it again after reconnecting. This is how lotsense-cloud keeps
	// the delivery guarantee with its embedded broker, whose queues do not survive the
	// process: nothing is acknowledged before it is in the store.
	Deliver   func(ctx context.Context, topic string, payload []byte) error
	Intercept func(topic string) bool
}

// Broker is a running embedded broker.
type Broker struct {
	srv    *mqtt.Server
	tcp    *listeners.TCP // nil without a plain listener
	tls    *listeners.TCP // nil without TLS
	rev    *pki.Revocations
	log    *slog.Logger
	cancel context.CancelFunc // ends pending Deliver calls
	done   chan struct{}      // stops the revocation list watch
}

// Start starts the broker and returns once it accepts connections.
//
// The plain listener (Address) allows every client: it serves the demo and the cloud's
// own connections on loopback. On the TLS listener (Options.TLS) each client is the
// identity of its certificate and the ACL applies, as with deploy/mosquitto.
func Start(o Options) (*Broker, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	// mochi drops a QoS 1 message for a subscriber whose queue is full, after the
	// publisher already had its PUBACK: that would lose readings while ingest is slow.
	// Give subscribers the largest queues mochi allows; it logs "client store quota
	// reached" should even these fill.
	caps := mqtt.NewDefaultServerCapabilities()
	caps.MaximumInflight = math.MaxUint16
	caps.MaximumClientWritesPending = 1 << 15 // a channel of this many pointers per client
	srv := mqtt.New(&mqtt.Options{
		Capabilities: caps,
		Logger:       o.Logger.With("component", "broker"),
	})
	b := &Broker{srv: srv, log: o.Logger.With("component", "broker"), done: make(chan struct{})}
	acl, tlsConf, err := b.tlsSetup(o.TLS)
	if err != nil {
		return nil, err
	}
	if err := srv.AddHook(&authHook{acl: acl, srv: srv, log: b.log}, nil); err != nil {
		return nil, fmt.Errorf("broker: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	if o.Deliver != nil {
		h := &deliverHook{deliver: o.Deliver, intercept: o.Intercept, ctx: ctx, log: o.Logger}
		if err := srv.AddHook(h, nil); err != nil {
			cancel()
			return nil, fmt.Errorf("broker: %w", err)
		}
	}
	if o.Address != "" || o.TLS == nil {
		b.tcp = listeners.NewTCP(listeners.Config{ID: "tcp", Address: o.Address})
		if err := srv.AddListener(b.tcp); err != nil {
			cancel()
			return nil, fmt.Errorf("broker: listen on %s: %w", o.Address, err)
		}
	}
	if o.TLS != nil {
		b.tls = listeners.NewTCP(listeners.Config{ID: tlsListenerID, Address: o.TLS.Address, TLSConfig: tlsConf})
		if err := srv.AddListener(b.tls); err != nil {
			cancel()
			srv.Close()
			return nil, fmt.Errorf("broker: listen on %s: %w", o.TLS.Address, err)
		}
	}
	if err := srv.Serve(); err != nil {
		cancel()
		srv.Close()
		return nil, fmt.Errorf("broker: serve: %w", err)
	}
	if b.rev != nil {
		every := o.TLS.CRLCheck
		if every <= 0 {
			every = 5 * time.Second
		}
		go b.watchCRL(every, b.done)
	}
	return b, nil
}

// tlsSetup reads the ACL, the revocation list and the certificates of the TLS listener.
func (b *Broker) tlsSetup(o *TLSOptions) (*ACL, *tls.Config, error) {
	if o == nil {
		return nil, nil, nil
	}
	text := o.ACL
	if text == "" {
		text = DefaultACL
	}
	acl, err := ParseACL(text)
	if err != nil {
		return nil, nil, err
	}
	if o.CRLFile != "" {
		cas, err := pki.ReadCerts(o.CAFile)
		if err != nil {
			return nil, nil, fmt.Errorf("broker: %w", err)
		}
		if b.rev, err = pki.NewRevocations(o.CRLFile, cas); err != nil {
			return nil, nil, fmt.Errorf("broker: %w", err)
		}
	}
	conf, err := serverTLS(o, b.rev, b.log)
	return acl, conf, err
}

// deliverHook hands intercepted publishes to Options.Deliver before mochi sends the
// PUBACK (mochi calls OnPublish first, on the publisher's own read loop).
type deliverHook struct {
	mqtt.HookBase
	deliver   func(ctx context.Context, topic string, payload []byte) error
	intercept func(topic string) bool
	ctx       context.Context
	log       *slog.Logger
}

func (h *deliverHook) ID() string { return "lotsense-deliver" }

func (h *deliverHook) Provides(b byte) bool { return b == mqtt.OnPublish }

func (h *deliverHook) OnPublish(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	if cl.Net.Inline || pk.FixedHeader.Qos == 0 || (h.intercept != nil && !h.intercept(pk.TopicName)) {
		return pk, nil
	}
	if err := h.deliver(h.ctx, pk.TopicName, pk.Payload); err != nil {
		h.log.Warn("message not stored; the publisher's connection is dropped so it sends it again",
			"client", cl.ID, "topic", pk.TopicName, "err", err)
		cl.Stop(err)
		return pk, packets.ErrRejectPacket
	}
	return pk, nil
}

// Addr returns the host:port of the plain listener, "" without one.
func (b *Broker) Addr() string {
	if b.tcp == nil {
		return ""
	}
	return b.tcp.Address()
}

// URL returns the plain listener's address as an MQTT client URL (tcp://).
func (b *Broker) URL() string { return "tcp://" + b.Addr() }

// TLSAddr returns the host:port of the TLS listener, "" without one.
func (b *Broker) TLSAddr() string {
	if b.tls == nil {
		return ""
	}
	return b.tls.Address()
}

// TLSURL returns the TLS listener's address as an MQTT client URL (ssl://).
func (b *Broker) TLSURL() string { return "ssl://" + b.TLSAddr() }

// Close disconnects every client and stops the broker.
func (b *Broker) Close() error {
	close(b.done)
	b.cancel()
	return b.srv.Close()
}
