// Package broker runs the MQTT broker embedded in lotsense-cloud (mochi-mqtt), so the
// demo and small single-site installs need no separate Mosquitto. At fleet scale the
// cloud connects to Mosquitto or an EMQX cluster instead, with the same topics.
package broker

import (
	"fmt"
	"log/slog"
	"math"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// Options configure the embedded broker.
type Options struct {
	// Address to listen on for MQTT over TCP, e.g. 127.0.0.1:1883 (port 0 picks one).
	Address string
	Logger  *slog.Logger
}

// Broker is a running embedded broker.
type Broker struct {
	srv *mqtt.Server
	tcp *listeners.TCP
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
	tcp := listeners.NewTCP(listeners.Config{ID: "tcp", Address: o.Address})
	if err := srv.AddListener(tcp); err != nil {
		return nil, fmt.Errorf("broker: listen on %s: %w", o.Address, err)
	}
	if err := srv.Serve(); err != nil {
		srv.Close()
		return nil, fmt.Errorf("broker: serve: %w", err)
	}
	return &Broker{srv: srv, tcp: tcp}, nil
}

// Addr returns the host:port the broker listens on.
func (b *Broker) Addr() string { return b.tcp.Address() }

// URL returns the broker's address as an MQTT client URL.
func (b *Broker) URL() string { return "tcp://" + b.Addr() }

// Close disconnects every client and stops the broker.
func (b *Broker) Close() error { return b.srv.Close() }
