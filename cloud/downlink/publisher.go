package downlink

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotsense/lotsense/cloud/mqttconn"
	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/gateway/wire"
)

// Source is what the publisher reads; *store.Store is one.
type Source interface {
	HoldLists(ctx context.Context) ([]store.HoldList, error)
	Gateways(ctx context.Context) ([]store.Gateway, error)
}

// Options configure a Publisher. The MQTT ones mirror ingest.SubscribeOptions.
type Options struct {
	Store              Source
	Broker             string // tcp://host:port, ssl://host:port
	ClientID           string // the cloud's client id; the publisher connects as ClientID+"-down"
	TLS                *tls.Config
	Username, Password string
	// Every is how often the hold lists are read and changes published (default 2 s).
	Every time.Duration
	// Timeout bounds the wait for the broker's PUBACK (default 10 s); a list not
	// acknowledged in time is published again the next round.
	Timeout    time.Duration
	Logger     *slog.Logger
	Registerer prometheus.Registerer // nil: metrics are kept but not exported
	Now        func() time.Time      // nil: time.Now
}

// Publisher publishes every site's hold list, retained at QoS 1, to the holds topic of
// each gateway of the site.
type Publisher struct {
	o         Options
	log       *slog.Logger
	published prometheus.Counter
	failures  prometheus.Counter
}

// New checks the options and registers the publisher's metrics.
func New(o Options) (*Publisher, error) {
	if o.Store == nil || o.Broker == "" || o.ClientID == "" {
		return nil, errors.New("downlink: store, broker and client id are required")
	}
	if o.Every <= 0 {
		o.Every = 2 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	p := &Publisher{o: o, log: o.Logger,
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lotsense_hold_lists_published_total", Help: "Hold lists published to a gateway and acknowledged by the broker.",
		}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lotsense_hold_list_failures_total", Help: "Hold lists that could not be published (no PUBACK in time, or an error); retried the next round.",
		}),
	}
	if o.Registerer != nil {
		if err := o.Registerer.Register(p.published); err != nil {
			return nil, fmt.Errorf("downlink: register metrics: %w", err)
		}
		if err := o.Registerer.Register(p.failures); err != nil {
			return nil, fmt.Errorf("downlink: register metrics: %w", err)
		}
	}
	return p, nil
}

// target is one gateway's holds topic.
type target struct{ site, gateway string }

// Run publishes until ctx ends, then returns nil. It holds one connection at a time
// and starts each with every hold list, because the broker may have lost its retained
// messages (the embedded broker when the cloud restarts, an external one without
// persistence); then, every interval, the lists whose version changed. When the
// connection is lost it connects again after a pause (1 s, doubling to 30 s). Run must
// not be called twice at once.
//
// Reconnecting is done here, not by paho: paho resends the messages of a lost
// connection on the next one and completes their tokens as if acknowledged, so an old
// list could overwrite a newer retained one and pass for published.
func (p *Publisher) Run(ctx context.Context) error {
	return mqttconn.Run(ctx, mqttconn.Options{Broker: p.o.Broker, ClientID: p.o.ClientID + "-down", TLS: p.o.TLS,
		Username: p.o.Username, Password: p.o.Password, Timeout: p.o.Timeout, Logger: p.log, What: "downlink"}, p.publish)
}

// publish runs rounds on one connection until ctx ends (nil) or the connection is lost.
func (p *Publisher) publish(ctx context.Context, client mqtt.Client, lost <-chan error) error {
	sent := map[target]uint64{} // version the broker acknowledged on this connection
	tick := time.NewTicker(p.o.Every)
	defer tick.Stop()
	for {
		if err := p.round(ctx, client, sent); err != nil && ctx.Err() == nil {
			p.log.Warn("downlink: hold lists not all published; retrying next round", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case err := <-lost:
			return fmt.Errorf("downlink: connection lost: %w", err)
		case <-tick.C:
		}
	}
}

// pending is a hold list handed to paho, waiting for its PUBACK.
type pending struct {
	to      target
	version uint64
	lots    int
	tok     mqtt.Token
}

// round publishes the hold lists that changed since they were last acknowledged, and
// records those acknowledged in sent.
func (p *Publisher) round(ctx context.Context, client mqtt.Client, sent map[target]uint64) error {
	lists, err := p.o.Store.HoldLists(ctx)
	if err != nil {
		return fmt.Errorf("downlink: %w", err)
	}
	gateways, err := p.o.Store.Gateways(ctx)
	if err != nil {
		return fmt.Errorf("downlink: %w", err)
	}
	bySite := make(map[string]store.HoldList, len(lists))
	for _, l := range lists {
		bySite[l.Site] = l
	}
	now := p.o.Now().UTC().Truncate(time.Microsecond) // the wire's precision
	var out []pending
	for _, g := range gateways {
		to := target{g.Site, g.Gateway}
		l, ok := bySite[g.Site]
		if !ok {
			l = store.HoldList{Site: g.Site, Lots: []string{}} // no lot of the site was ever held
		}
		if v, ok := sent[to]; ok && v == l.Version {
			continue
		}
		payload, err := wire.Encode(&wire.Holds{V: wire.Version, Site: l.Site, Version: l.Version, Time: now, Lots: l.Lots})
		if err != nil {
			return fmt.Errorf("downlink: encode hold list of %s: %w", l.Site, err)
		}
		tok := client.Publish(wire.Topic(g.Site, g.Gateway, wire.KindHolds), 1, true, payload)
		out = append(out, pending{to: to, version: l.Version, lots: len(l.Lots), tok: tok})
	}
	return p.await(ctx, out, sent)
}

// errNoPuback: the broker did not acknowledge a hold list within Options.Timeout.
var errNoPuback = errors.New("no PUBACK in time")

// await waits for the PUBACK of each pending hold list, all within one timeout, and
// records those acknowledged in sent.
func (p *Publisher) await(ctx context.Context, out []pending, sent map[target]uint64) error {
	timer := time.NewTimer(p.o.Timeout)
	defer timer.Stop()
	expired := false
	var errs []error
	for _, q := range out {
		if !expired {
			select {
			case <-q.tok.Done():
			case <-timer.C:
				expired = true
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		err := errNoPuback
		select {
		case <-q.tok.Done():
			err = q.tok.Error()
		default:
		}
		if err != nil {
			p.failures.Inc()
			errs = append(errs, fmt.Errorf("downlink: hold list version %d to %s/%s: %w", q.version, q.to.site, q.to.gateway, err))
			continue
		}
		sent[q.to] = q.version
		p.published.Inc()
		p.log.Info("hold list published", "site", q.to.site, "gateway", q.to.gateway, "version", q.version, "lots", q.lots)
	}
	return errors.Join(errs...)
}
