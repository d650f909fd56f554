package publish

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/lotsense/lotsense/gateway/outbox"
)

// Client is the part of paho's mqtt.Client the publisher uses.
type Client interface {
	Connect() mqtt.Token
	Publish(topic string, qos byte, retained bool, payload any) mqtt.Token
	// Subscribe is for the down topics (lot map, holds, config), from OnConnect: the
	// session is clean, so every connect subscribes again.
	Subscribe(topic string, qos byte, callback mqtt.MessageHandler) mqtt.Token
	Disconnect(quiesce uint)
}

// Source is the part of the outbox the publisher drains; *outbox.Outbox satisfies it.
type Source interface {
	Read(s outbox.Stream, from uint64, max, maxBytes int) ([]outbox.Record, error)
	Ack(s outbox.Stream, upTo uint64) error
	Acked(s outbox.Stream) uint64
	Subscribe() (<-chan struct{}, func())
}

// Encoder turns records firstSeq.. of stream s into one MQTT message. The publisher
// knows nothing of record contents; the gateway supplies the wire encoding. records
// and their bytes are only valid during the call; the payload returned belongs to
// the publisher (paho writes it later), so the Encoder must not reuse its memory.
type Encoder func(s outbox.Stream, firstSeq uint64, records [][]byte) (topic string, payload []byte, err error)

// Message is an MQTT message of the publisher's own: the will.
type Message struct {
	Topic   string
	Payload []byte
}

// Options configures a Publisher. Broker and ClientID are required.
type Options struct {
	Broker   string      // tcp://host:1883, ssl://host:8883
	ClientID string      // the gateway id
	TLS      *tls.Config // client certificate and roots for ssl:// brokers
	// Will is registered with the broker, retained at QoS 1 (the "offline" status).
	Will *Message
	// OnConnect runs after every connect before any record is sent; the gateway
	// publishes its retained "online" status there. An error drops the connection.
	OnConnect func(ctx context.Context, c Client) error
	// OnStop runs once on a clean stop (ctx done), after the last PUBACKs and before
	// the disconnect; the gateway publishes its retained "offline" status there.
	OnStop func(ctx context.Context, c Client) error
	// Username and Password, when the broker wants them (TLS client certificates are
	// the identity lotsense recommends).
	Username, Password string
	// Streams lists the streams drained, highest priority first; by default alarms,
	// events, readings.
	Streams []outbox.Stream
	// Pace bounds the records per second sent from the streams in Paced (by
	// default the readings), so a backlog drains without saturating a slow link;
	// 0 sends as fast as the broker acknowledges.
	Pace        float64
	Paced       []outbox.Stream
	BatchSize   int           // records per message; 1000 by default
	BatchBytes  int           // record bytes per message; 256 KiB by default
	MaxInflight int           // messages awaiting PUBACK; 32 by default
	Poll        time.Duration // fallback poll of the outbox; 1 s by default
	MinBackoff  time.Duration // first reconnect delay; 100 ms by default
	MaxBackoff  time.Duration // longest reconnect delay; 30 s by default
	KeepAlive   time.Duration // MQTT keep-alive; 30 s by default
	Timeout     time.Duration // connect timeout, and how long a stop waits for PUBACKs; 10 s by default
	Logger      *slog.Logger
	Metrics     Metrics
	// NewClient makes the client for each connection; mqtt.NewClient by default.
	// Tests wrap the real client to inject faults.
	NewClient func(*mqtt.ClientOptions) Client
}

// Metrics receives the publisher's measurements; nil fields are skipped. Prometheus
// counters, gauges and histograms satisfy the interfaces.
type Metrics struct {
	Messages   outbox.Counter  // messages PUBACKed
	Records    outbox.Counter  // records acked to the outbox
	Dropped    outbox.Counter  // records the Encoder refused (acked without being sent)
	Reconnects outbox.Counter  // connections lost or refused
	Inflight   outbox.Gauge    // messages awaiting PUBACK
	AckSeconds outbox.Observer // publish to PUBACK
}

// Publisher drains a Source to an MQTT broker; see the package documentation.
type Publisher struct {
	src  Source
	enc  Encoder
	opts Options
	log  *slog.Logger
}

// New checks opts, fills in the defaults and returns a Publisher; Run starts it.
func New(src Source, enc Encoder, opts Options) (*Publisher, error) {
	if src == nil || enc == nil {
		return nil, errors.New("publish: a source and an encoder are required")
	}
	if opts.Broker == "" || opts.ClientID == "" {
		return nil, errors.New("publish: Broker and ClientID are required")
	}
	if len(opts.Streams) == 0 {
		opts.Streams = []outbox.Stream{outbox.Alarms, outbox.Events, outbox.Readings}
	}
	if opts.Pace < 0 {
		return nil, fmt.Errorf("publish: pace %v records/s is negative", opts.Pace)
	}
	if len(opts.Paced) == 0 {
		opts.Paced = []outbox.Stream{outbox.Readings}
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&opts.BatchSize, 1000)
	def(&opts.BatchBytes, 256<<10)
	def(&opts.MaxInflight, 32)
	defDur(&opts.Poll, time.Second)
	defDur(&opts.MinBackoff, 100*time.Millisecond)
	defDur(&opts.MaxBackoff, 30*time.Second)
	defDur(&opts.KeepAlive, 30*time.Second)
	defDur(&opts.Timeout, 10*time.Second)
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.NewClient == nil {
		opts.NewClient = func(o *mqtt.ClientOptions) Client { return mqtt.NewClient(o) }
	}
	return &Publisher{src: src, enc: enc, opts: opts, log: opts.Logger}, nil
}

// Run connects, drains the source and reconnects after any failure until ctx is
// done; then it waits up to Timeout for outstanding PUBACKs, disconnects cleanly and
// returns nil.
func (p *Publisher) Run(ctx context.Context) error {
	notify, unsubscribe := p.src.Subscribe()
	defer unsubscribe()
	backoff := p.opts.MinBackoff
	for {
		connected, err := p.session(ctx, notify)
		if ctx.Err() != nil {
			return nil
		}
		if connected {
			backoff = p.opts.MinBackoff
		}
		add(p.opts.Metrics.Reconnects, 1)
		// Full jitter: wait a random time up to the current backoff.
		wait := time.Duration(rand.Int64N(int64(backoff)) + 1)
		p.log.Warn("publish: connection ended; reconnecting", "broker", p.opts.Broker, "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		backoff = min(2*backoff, p.opts.MaxBackoff)
	}
}

// clientOptions returns paho's options: no auto-reconnect (Run does that), a clean
// session (Run resends from the ack cursor), the will retained at QoS 1.
func (p *Publisher) clientOptions(lost chan<- error) *mqtt.ClientOptions {
	o := mqtt.NewClientOptions().
		AddBroker(p.opts.Broker).
		SetClientID(p.opts.ClientID).
		SetCleanSession(true).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetOrderMatters(false).
		SetKeepAlive(p.opts.KeepAlive).
		SetConnectTimeout(p.opts.Timeout).
		SetWriteTimeout(p.opts.Timeout).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) {
			select {
			case lost <- fmt.Errorf("publish: connection lost: %w", err):
			default:
			}
		})
	if p.opts.TLS != nil {
		o.SetTLSConfig(p.opts.TLS)
	}
	if p.opts.Username != "" {
		o.SetUsername(p.opts.Username).SetPassword(p.opts.Password)
	}
	if w := p.opts.Will; w != nil {
		o.SetBinaryWill(w.Topic, w.Payload, 1, true)
	}
	return o
}

// session runs one connection: connect, the on-connect hook, then drain until the
// connection fails or ctx is done. connected tells whether the connect succeeded.
func (p *Publisher) session(ctx context.Context, notify <-chan struct{}) (connected bool, err error) {
	lost := make(chan error, 1)
	c := p.opts.NewClient(p.clientOptions(lost))
	tok := c.Connect()
	select {
	case <-tok.Done():
	case <-ctx.Done():
		c.Disconnect(0)
		return false, ctx.Err()
	}
	if err := tok.Error(); err != nil {
		return false, fmt.Errorf("publish: connect to %s: %w", p.opts.Broker, err)
	}
	p.log.Info("publish: connected", "broker", p.opts.Broker, "client", p.opts.ClientID)
	d := newDrain(p, c)
	defer func() {
		stopping := ctx.Err() != nil && err == nil
		d.finish(stopping)
		if h := p.opts.OnStop; stopping && h != nil {
			// A clean stop sends no will: say goodbye ourselves (retained "offline").
			sctx, cancel := context.WithTimeout(context.Background(), p.opts.Timeout)
			if herr := h(sctx, c); herr != nil {
				p.log.Warn("publish: on-stop hook", "err", herr)
			}
			cancel()
		}
		c.Disconnect(250)
	}()
	if h := p.opts.OnConnect; h != nil {
		if err := h(ctx, c); err != nil {
			return true, fmt.Errorf("publish: on-connect hook: %w", err)
		}
	}
	return true, d.run(ctx, notify, lost)
}

func add(c outbox.Counter, v float64) {
	if c != nil {
		c.Add(v)
	}
}
