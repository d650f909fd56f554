// Package broker runs the MQTT broker embedded in lotsense-cloud (mochi-mqtt), so the
// demo and small single-site installs need no separate Mosquitto. At fleet scale the
// cloud connects to Mosquitto or an EMQX cluster instead, with the same topics.
package broker

import (
	"context"
	"fmt"
	"log/slog"
	"math"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Options configure the embedded broker.
type Options struct {
	// Address to listen on for MQTT over TCP, e.g. 127.0.0.1:1883 (port 0 picks one).
	Address string
	Logger  *slog.Logger
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
	tcp    *listeners.TCP
	cancel context.CancelFunc // ends pending Deliver calls
}

// Start starts the broker and returns once it accepts connections.
//
// It allows every client: the embedded broker serves the demo on loopback. Gateway
// identities and per-gateway topic rules arrive with certificate enrolment.
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
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		return nil, fmt.Errorf("broker: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if o.Deliver != nil {
		h := &deliverHook{deliver: o.Deliver, intercept: o.Intercept, ctx: ctx, log: o.Logger}
		if err := srv.AddHook(h, nil); err != nil {
			cancel()
			return nil, fmt.Errorf("broker: %w", err)
		}
	}
	tcp := listeners.NewTCP(listeners.Config{ID: "tcp", Address: o.Address})
	if err := srv.AddListener(tcp); err != nil {
		cancel()
		return nil, fmt.Errorf("broker: listen on %s: %w", o.Address, err)
	}
	if err := srv.Serve(); err != nil {
		cancel()
		srv.Close()
		return nil, fmt.Errorf("broker: serve: %w", err)
	}
	return &Broker{srv: srv, tcp: tcp, cancel: cancel}, nil
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

// Addr returns the host:port the broker listens on.
func (b *Broker) Addr() string { return b.tcp.Address() }

// URL returns the broker's address as an MQTT client URL.
func (b *Broker) URL() string { return "tcp://" + b.Addr() }

// Close disconnects every client and stops the broker.
func (b *Broker) Close() error {
	b.cancel()
	return b.srv.Close()
}
