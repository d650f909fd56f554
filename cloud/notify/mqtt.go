package notify

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotsense/lotsense/cloud/alerts"
	"github.com/lotsense/lotsense/cloud/mqttconn"
	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/gateway/wire"
)

// AlertTopic is the MQTT topic of a site's alert events, cloud → consumers, QoS 1,
// not retained. It has one level less than a gateway's topics, so no gateway id
// can clash with it.
func AlertTopic(site string) string { return "lotsense/v1/" + site + "/alerts" }

// CursorMQTT names the MQTT publisher's position in the alert events (store.Cursor).
const CursorMQTT = "mqtt"

// EventLog is what the MQTT publisher reads and writes; *store.Store is one.
type EventLog interface {
	AlertEvents(ctx context.Context, after int64, limit int) ([]store.AlertEvent, error)
	Cursor(ctx context.Context, name string) (int64, error)
	SetCursor(ctx context.Context, name string, id int64) error
}

// MQTTOptions configure the publisher. The MQTT ones mirror downlink.Options.
type MQTTOptions struct {
	Store EventLog
	// Hub, when set, wakes the publisher as soon as alert events are published.
	Hub                *alerts.Hub
	Broker             string // tcp://host:port, ssl://host:port
	ClientID           string // the cloud's client id; the publisher connects as ClientID+"-alerts"
	TLS                *tls.Config
	Username, Password string
	// Every is the longest wait between two looks at the events (default 1 s).
	Every time.Duration
	// Timeout bounds the wait for the broker's PUBACKs (default 10 s); events not
	// acknowledged in time are published again on a new connection.
	Timeout    time.Duration
	Logger     *slog.Logger
	Registerer prometheus.Registerer // nil: metrics are kept but not exported
}

// MQTT publishes every alert event, in order, at QoS 1 to its site's AlertTopic, and
// records how far it got in the store once the broker acknowledged, so a restart
// resumes after the last acknowledged event: each event is published at least once.
type MQTT struct {
	o         MQTTOptions
	published prometheus.Counter
}

// NewMQTT checks the options and registers the publisher's metrics.
func NewMQTT(o MQTTOptions) (*MQTT, error) {
	if o.Store == nil || o.Broker == "" || o.ClientID == "" {
		return nil, errors.New("notify: the MQTT alert publisher needs a store, a broker and a client id")
	}
	if o.Every <= 0 {
		o.Every = time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	p := &MQTT{o: o, published: prometheus.NewCounter(prometheus.CounterOpts{
		Name: "lotsense_alert_events_published_total", Help: "Alert events published to MQTT and acknowledged by the broker.",
	})}
	if o.Registerer != nil {
		if err := o.Registerer.Register(p.published); err != nil {
			return nil, fmt.Errorf("notify: register metrics: %w", err)
		}
	}
	return p, nil
}

// Run publishes until ctx ends, then returns nil; it connects again after a lost
// connection (pausing 1 s, doubling to 30 s), like downlink.Publisher and for the same
// reason: paho would otherwise resend a lost connection's messages on the next one and
// complete their tokens as if acknowledged.
func (p *MQTT) Run(ctx context.Context) error {
	var wake <-chan struct{}
	if p.o.Hub != nil {
		ch, stop := p.o.Hub.Listen()
		defer stop()
		wake = ch
	}
	return mqttconn.Run(ctx, mqttconn.Options{Broker: p.o.Broker, ClientID: p.o.ClientID + "-alerts", TLS: p.o.TLS,
		Username: p.o.Username, Password: p.o.Password, Timeout: p.o.Timeout, Logger: p.o.Logger, What: "alerts"},
		func(ctx context.Context, client mqtt.Client, lost <-chan error) error {
			return p.publish(ctx, client, lost, wake)
		})
}

// publish hands on events after the stored cursor on one connection until ctx ends
// (nil) or the connection fails.
func (p *MQTT) publish(ctx context.Context, client mqtt.Client, lost <-chan error, wake <-chan struct{}) error {
	tick := time.NewTicker(p.o.Every)
	defer tick.Stop()
	cur := int64(-1) // not read yet
	for {
		var n int
		var err error
		if cur < 0 {
			if c, cerr := p.o.Store.Cursor(ctx, CursorMQTT); cerr == nil {
				cur = c
			} else {
				err = cerr
			}
		}
		if cur >= 0 {
			n, err = p.batch(ctx, client, &cur)
			var pubErr *publishError
			if errors.As(err, &pubErr) {
				return err
			}
		}
		if err != nil && ctx.Err() == nil {
			p.o.Logger.Warn("alerts: reading alert events failed; trying again", "err", err)
		}
		if n > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case err := <-lost:
			return fmt.Errorf("notify: connection lost: %w", err)
		case <-wake:
		case <-tick.C:
		}
	}
}

// publishError: the broker did not acknowledge an event; the connection is dropped.
type publishError struct{ err error }

func (e *publishError) Error() string { return e.err.Error() }

// batch publishes the next events after *cur, waits for their PUBACKs and moves the
// stored cursor past those acknowledged in order.
func (p *MQTT) batch(ctx context.Context, client mqtt.Client, cur *int64) (int, error) {
	evs, err := p.o.Store.AlertEvents(ctx, *cur, 100)
	if err != nil || len(evs) == 0 {
		return 0, err
	}
	toks := make([]mqtt.Token, len(evs))
	for i := range evs {
		e := &evs[i]
		if wire.CheckID("site", e.Alert.Site) != nil {
			p.o.Logger.Error("alerts: alert event has no valid site; not published", "event", e.ID, "site", e.Alert.Site)
			continue
		}
		payload, err := json.Marshal(e)
		if err != nil {
			return 0, fmt.Errorf("notify: encode alert event %d: %w", e.ID, err)
		}
		toks[i] = client.Publish(AlertTopic(e.Alert.Site), 1, false, payload)
	}
	timer := time.NewTimer(p.o.Timeout)
	defer timer.Stop()
	acked := *cur
	var failed error
	for i, tok := range toks {
		if tok != nil {
			select {
			case <-tok.Done():
				failed = tok.Error()
			case <-timer.C:
				failed = errors.New("no PUBACK in time")
			case <-ctx.Done():
				failed = ctx.Err()
			}
			if failed != nil {
				failed = &publishError{fmt.Errorf("notify: alert event %d: %w", evs[i].ID, failed)}
				break
			}
			p.published.Inc()
		}
		acked = evs[i].ID
	}
	if acked > *cur {
		if err := p.o.Store.SetCursor(context.WithoutCancel(ctx), CursorMQTT, acked); err != nil {
			return 0, err
		}
		*cur = acked
	}
	return len(evs), failed
}
