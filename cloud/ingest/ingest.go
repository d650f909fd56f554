package ingest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/gateway/wire"
	"github.com/lotsense/lotsense/rules"
)

// Message is one MQTT message as received.
type Message struct {
	Topic    string
	Payload  []byte
	Received time.Time
}

// Options configure an Ingester.
type Options struct {
	Store *store.Store
	// Profile is the rules profile that judges every lot (see profileFor).
	Profile rules.Profile
	// Rule, when Profile has no rules, is a shorthand for HighLimitProfile(Rule.Limit,
	// Rule.Delay). The engine confirms at t − start ≥ delay (HighLimit at >).
	Rule rules.HighLimit
	// Staleness: how long a sensor's latest good value counts towards the exposure of
	// the lots it measures when its next reading does not carry them (or is bad) — at
	// most 3 × its interval. Default 5 minutes. See README.md.
	Staleness time.Duration
	// Horizon of each lot's engine: a reading more than this behind the lot's newest is
	// stored but not judged. Default rules.DefaultHorizon (48 h).
	Horizon time.Duration
	// MaxLots bounds the lot engines kept in memory (default 1000); a lot evicted is
	// loaded from the store when it reads again.
	MaxLots    int
	Logger     *slog.Logger
	Registerer prometheus.Registerer // nil: metrics are kept but not exported
	Now        func() time.Time      // nil: time.Now
}

// DefaultStaleness is Options.Staleness when left out.
const DefaultStaleness = 5 * time.Minute

// Ingester stores messages and applies the rules. Process is not safe for concurrent
// use: one worker feeds it.
type Ingester struct {
	st      *store.Store
	plan    *plan
	stale   time.Duration
	horizon time.Duration
	lots    lots
	log     *slog.Logger
	m       *metrics
	now     func() time.Time
	// queue feeds the one worker (Subscribe): messages from the MQTT subscription and
	// from Deliver alike.
	queue chan received
}

// New returns an Ingester.
func New(o Options) (*Ingester, error) {
	if o.Store == nil {
		return nil, errors.New("ingest: no store")
	}
	if len(o.Profile.Rules) == 0 {
		if o.Rule == (rules.HighLimit{}) {
			return nil, errors.New("ingest: no rules profile")
		}
		if err := o.Rule.Validate(); err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
		o.Profile = HighLimitProfile(o.Rule.Limit, o.Rule.Delay)
	}
	pl, err := newPlan(o.Profile)
	if err != nil {
		return nil, fmt.Errorf("ingest: profile %s: %w", o.Profile.Name, err)
	}
	if o.Staleness < 0 || o.Horizon < 0 || o.MaxLots < 0 {
		return nil, errors.New("ingest: staleness, horizon and max lots must not be negative")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	for _, r := range pl.ignored {
		o.Logger.Warn("ingest: a rule reads a quantity no gateway sends; it never sees a reading", "profile", pl.name, "rule", r)
	}
	return &Ingester{st: o.Store, plan: pl, stale: cmp.Or(o.Staleness, DefaultStaleness), horizon: cmp.Or(o.Horizon, rules.DefaultHorizon),
		lots: lots{byID: map[int64]*lot{}, max: cmp.Or(o.MaxLots, 1000)}, log: o.Logger, m: newMetrics(o.Registerer), now: o.Now,
		queue: make(chan received, 1024)}, nil
}

// rejection is a payload problem: the message goes to the dead-letter store.
type rejection struct {
	reason string // metric label: malformed, unknown_version, mismatch
	err    error
}

func (r *rejection) Error() string { return r.err.Error() }

func reject(err error) error {
	reason := "malformed"
	if errors.Is(err, wire.ErrUnknownVersion) {
		reason = "unknown_version"
	}
	return &rejection{reason: reason, err: err}
}

// Process stores a group of messages in one transaction and returns once it has
// committed. Payload problems never fail the group: those messages are dead-lettered
// with the reason. An error means the store failed; nothing of the group was kept and
// the caller must retry it (and not acknowledge the messages meanwhile).
func (in *Ingester) Process(ctx context.Context, msgs []Message) error {
	start := time.Now()
	tx, err := in.st.Begin(ctx)
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	defer tx.Rollback()
	in.lots.tick++
	b := &txBatch{in: in, tx: tx, fresh: map[int64]*fresh{}, sensors: map[[3]string]string{}}
	stored := false
	defer func() {
		if !stored {
			in.forget(b.touched) // their engines ran ahead of the store
		}
	}()
	for _, msg := range msgs {
		err := b.message(ctx, msg)
		var rej *rejection
		if errors.As(err, &rej) {
			in.log.Warn("ingest: payload refused, kept as dead letter", "topic", msg.Topic, "reason", rej.err)
			in.m.dead.WithLabelValues(rej.reason).Inc()
			err = tx.AddDeadLetter(ctx, msg.Topic, rej.err.Error(), msg.Payload, msg.Received)
		}
		if err != nil {
			return fmt.Errorf("ingest: %s: %w", msg.Topic, err)
		}
	}
	if err := b.judge(ctx); err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	stored = true
	in.evict()
	in.m.commits.Observe(time.Since(start).Seconds())
	// The store announces the alert changes to the hub (store.OnAlertEvents), which
	// delivers them to the dashboard, webhooks and MQTT.
	for _, e := range tx.AlertEvents() {
		a := &e.Alert
		in.log.Info("alert "+e.Action, "id", a.ID, "kind", a.Kind, "severity", a.Severity, "site", a.Site, "location", a.Location,
			"lot", a.Lot, "count", a.Count, "state", a.State, "message", a.Message, "note", e.Note)
	}
	return nil
}

// txBatch is the work of one Process call.
type txBatch struct {
	in      *Ingester
	tx      *store.Tx
	fresh   map[int64]*fresh     // by lot: readings for its engine
	sensors map[[3]string]string // sensor keys made
	touched []int64              // lots whose engines this transaction fed
}

func (b *txBatch) message(ctx context.Context, msg Message) error {
	site, gateway, kind, err := wire.ParseTopic(msg.Topic)
	if err != nil {
		return reject(err)
	}
	b.in.m.messages.WithLabelValues(string(kind)).Inc()
	switch kind {
	case wire.KindReadings:
		rb, err := wire.DecodeReadings(msg.Payload)
		if err != nil {
			return reject(err)
		}
		if err := matchTopic(site, gateway, &rb.Header); err != nil {
			return err
		}
		return b.readings(ctx, rb)
	case wire.KindEvents:
		eb, err := wire.DecodeEvents(msg.Payload)
		if err != nil {
			return reject(err)
		}
		if err := matchTopic(site, gateway, &eb.Header); err != nil {
			return err
		}
		return b.events(ctx, eb)
	case wire.KindAlarms:
		ab, err := wire.DecodeAlarms(msg.Payload)
		if err != nil {
			return reject(err)
		}
		if err := matchTopic(site, gateway, &ab.Header); err != nil {
			return err
		}
		return b.alarms(ctx, ab)
	case wire.KindStatus:
		return b.status(ctx, site, gateway, msg)
	}
	return reject(fmt.Errorf("ingest: %s is a down topic; gateways may not publish %q", msg.Topic, kind))
}

// matchTopic re-checks the gateway's identity: the topic is what the broker's ACL (and
// so the gateway's certificate) allowed; the payload must claim the same.
func matchTopic(site, gateway string, h *wire.Header) error {
	if h.Site != site || h.Gateway != gateway {
		return &rejection{reason: "mismatch", err: fmt.Errorf(
			"ingest: payload claims gateway %s/%s but was published on the topic of %s/%s", h.Site, h.Gateway, site, gateway)}
	}
	return nil
}
