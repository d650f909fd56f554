package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotsense/lotsense/drivers/signal"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway/localapi"
	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/publish"
	"github.com/lotsense/lotsense/gateway/wire"
)

// Options configure Run beyond the configuration file.
type Options struct {
	// Speed runs the gateway's clock faster than real time (demos); 1 or 0 is real time.
	Speed float64
	// Broker, when set, replaces the configuration's mqtt.broker (demos, tests).
	Broker  string
	Version string // software version reported in the status message
	Logger  *slog.Logger
	// Registerer receives the gateway's Prometheus metrics; nil: a registry of the run's
	// own. The local API (cfg.API) serves them when Registerer is also a Gatherer.
	Registerer prometheus.Registerer
	// SummaryEvery logs the latest value of every sensor this often (real time); 0: never.
	SummaryEvery time.Duration
	// Ready, when set, is called once the gateway runs (outbox open, drivers and
	// publisher started), whether or not the broker and the devices answer yet; see
	// Health (health.go). It must not block. lotsense-gateway run tells systemd.
	Ready func(*Health)
}

// gw is one running gateway.
type gw struct {
	cfg     *fwconfig.Config
	opts    Options
	log     *slog.Logger
	clock   *Clock
	sync    *syncState
	boot    string
	ob      *outbox.Outbox
	binder  *Binder
	sensors []*sensorRun
	tags    *TagLots
	lotMap  lotMaps
	holds   Holds
	doors   *doors     // nil without dock doors
	stns    *stations  // nil without scanner stations
	edge    *edgeRules // nil without local rules
	outputs map[string]*signal.Dev
	m       *metrics
	api     *localapi.Server
	ctl     *configCtl // remote configuration; nil in a run of Run
}

// Run runs the gateway described by cfg until ctx is done, then shuts down in order:
// pollers stop, the publisher sends what it can and disconnects, the outbox closes.
// Everything accepted into the outbox stays on disk for the next run. Supervise also
// applies the configurations the cloud sends.
func Run(ctx context.Context, cfg *fwconfig.Config, opts Options) error {
	return run(ctx, cfg, opts, nil)
}

func run(ctx context.Context, cfg *fwconfig.Config, opts Options, ctl *configCtl) error {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Registerer == nil {
		opts.Registerer = prometheus.NewRegistry()
	}
	clock := NewClock(opts.Speed)
	g := &gw{cfg: cfg, opts: opts, log: opts.Logger, clock: clock, boot: newID(),
		sync: &syncState{fast: clock.speed != 1}, m: newMetrics(opts.Registerer), ctl: ctl}
	g.sync.refresh()
	g.binder = NewBinder(lotsByLocation(cfg))

	ob, err := outbox.Open(ctx, cfg.Outbox.Dir, g.outboxOptions())
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	g.ob = ob
	defer ob.Close()
	if g.tags, err = NewTagLots(cfg); err != nil {
		return err
	}
	g.loadLotMap()
	g.loadHolds()
	if g.doors, err = g.newDoors(g.tags); err != nil {
		return err
	}
	if g.doors != nil {
		defer g.doors.stopSims()
	}
	if g.outputs, err = g.openOutputs(); err != nil {
		return err
	}
	defer func() {
		for _, o := range g.outputs {
			o.Close()
		}
	}()
	if g.stns, err = g.newStations(); err != nil {
		return err
	}
	profiles, err := ResolveProfiles(cfg)
	if err != nil {
		return err
	}
	if g.edge, err = g.newEdgeRules(profiles); err != nil {
		return err
	}

	sensors, stopSims, err := g.startSensors()
	defer stopSims()
	if err != nil {
		return err
	}
	g.sensors = sensors
	if err := g.newAPI(); err != nil {
		return err
	}
	pub, err := g.publisher()
	if err != nil {
		return err
	}
	g.log.Info("gateway running", "site", cfg.Site, "gateway", cfg.Gateway, "config", versionOrLocal(ctl.version()), "boot", g.boot, "epoch", ob.Epoch(),
		"sensors", len(sensors), "doors", len(cfg.Portal.Doors), "readers", len(cfg.Readers), "stations", len(cfg.Stations), "broker", g.broker(), "outbox", cfg.Outbox.Dir, "pending", g.pending(), "speed", clock.speed)

	pollCtx, stopPolling := context.WithCancel(ctx)
	defer stopPolling()
	var polls sync.WaitGroup
	for _, s := range sensors {
		polls.Go(func() { g.poll(pollCtx, s) })
	}
	polls.Go(func() { g.background(pollCtx) })
	if g.doors != nil {
		polls.Go(func() { g.doors.run(pollCtx) })
	}
	if g.stns != nil {
		polls.Go(func() { g.stns.run(pollCtx) })
	}
	if g.edge != nil {
		polls.Go(func() { g.edge.run(pollCtx) })
	}
	polls.Go(func() {
		if err := g.api.Run(pollCtx); err != nil {
			g.log.Error("local API not available; the gateway runs on without it", "err", err)
		}
	})
	// The publisher outlives the pollers by a moment, so what they appended last is
	// sent now rather than at the next start.
	pubCtx, stopPublishing := context.WithCancel(context.WithoutCancel(ctx))
	defer stopPublishing()
	pubDone := make(chan error, 1)
	go func() { pubDone <- pub.Run(pubCtx) }()
	g.ready()
	if ctl.trying() {
		polls.Go(func() { ctl.watchTrial(pollCtx, g) })
	}
	published := false
	select {
	case <-ctx.Done():
	case err = <-pubDone: // the publisher gave up: stop the rest too
		published = true
	}
	stopPolling()
	polls.Wait()
	if !published {
		if !ctl.stoppedForConfig() { // the next run sends what is left, at once
			g.flush(stopFlush)
		}
		stopPublishing()
		err = <-pubDone
	}
	for _, s := range sensors {
		s.src.Close()
	}
	g.log.Info("gateway stopped", "pending", g.pending(), "readings_next_seq", ob.NextSeq(outbox.Readings),
		"readings_acked", ob.Acked(outbox.Readings))
	return err
}

// stopFlush bounds how long a stopping gateway waits for its last readings to be
// acknowledged; whatever is left stays in the outbox for the next start.
const stopFlush = 3 * time.Second

// flush waits, while the broker is connected, until nothing is pending or the timeout.
func (g *gw) flush(timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for g.pending() > 0 && g.api.Link().Connected() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
}

// publisher builds the MQTT side: retained online status on connect, offline as will.
func (g *gw) publisher() (*publish.Publisher, error) {
	tlsConf, err := tlsConfig(&g.cfg.MQTT)
	if err != nil {
		return nil, err
	}
	enc := newEncoder(g.cfg.Site, g.cfg.Gateway, g.boot, g.ob.Epoch())
	statusTopic := wire.Topic(g.cfg.Site, g.cfg.Gateway, wire.KindStatus)
	will, err := g.status(wire.StateOffline)
	if err != nil {
		return nil, err
	}
	return publish.New(g.ob, enc.encode, publish.Options{
		Broker: g.broker(), ClientID: g.cfg.MQTT.ClientID, TLS: tlsConf,
		Will: &publish.Message{Topic: statusTopic, Payload: will},
		OnConnect: func(ctx context.Context, c publish.Client) error {
			if err := g.publishStatus(c, statusTopic, wire.StateOnline); err != nil {
				return err
			}
			if err := g.subscribeDown(c); err != nil {
				return err
			}
			g.api.Link().Up()
			return nil
		},
		OnStop: func(ctx context.Context, c publish.Client) error {
			if g.ctl.stoppedForConfig() {
				return nil // back at once on the new configuration: not offline
			}
			return g.publishStatus(c, statusTopic, wire.StateOffline)
		},
		Username: g.cfg.MQTT.Username, Password: g.cfg.MQTT.Password,
		BatchSize: g.cfg.MQTT.BatchSize, MaxInflight: g.cfg.MQTT.MaxInflight, Pace: g.cfg.MQTT.DrainRate,
		KeepAlive: g.cfg.MQTT.KeepAlive.Duration, Logger: g.log, Metrics: g.api.Link().Metrics(g.m.publish),
	})
}

// newAPI makes the local API (GET /status, /metrics, /healthz); Run serves it on
// cfg.API.Listen unless that is off.
func (g *gw) newAPI() error {
	listen := ""
	if g.cfg.API.Enabled() {
		listen = g.cfg.API.Listen
	}
	gatherer, _ := g.opts.Registerer.(prometheus.Gatherer)
	api, err := localapi.New(localapi.Options{Listen: listen, Site: g.cfg.Site, Gateway: g.cfg.Gateway, Boot: g.boot,
		Version: g.opts.Version, Broker: g.broker(), Outbox: g.ob, Dir: g.cfg.Outbox.Dir,
		Gatherer: gatherer, Registerer: g.opts.Registerer,
		Clock: g.clock.Now, Synced: g.sync.synced.Load, Sensors: g.sensorStatus, Portal: g.portalStatus(),
		Stations: g.stationStatus(), Config: g.configStatus(), Logger: g.log})
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	g.api = api
	return nil
}

// configStatus returns the local API's view of the configuration; nil in a run of Run.
func (g *gw) configStatus() func() *localapi.ConfigStatus {
	if g.ctl == nil {
		return nil
	}
	return g.ctl.status
}

// portalStatus returns the local API's view of the readers and doors; nil without doors.
func (g *gw) portalStatus() func() ([]localapi.Reader, []localapi.Door) {
	if g.doors == nil {
		return nil
	}
	return g.doors.status
}

// stationStatus returns the local API's view of the scanner stations; nil without any.
func (g *gw) stationStatus() func() []localapi.Station {
	if g.stns == nil {
		return nil
	}
	return g.stns.status
}

// sensorStatus reports every sensor's last poll to the local API.
func (g *gw) sensorStatus() []localapi.Sensor {
	out := make([]localapi.Sensor, 0, len(g.sensors))
	for _, s := range g.sensors {
		s.mu.Lock()
		st := localapi.Sensor{ID: s.id, Location: s.location, Failing: s.failed, Values: []localapi.Value{}}
		for _, r := range s.latest {
			st.LastPoll = r.Time
			st.Values = append(st.Values, localapi.Value{Quantity: r.Quantity.String(), Value: localapi.Num(r.Value),
				Unit: unitSuffix(r), Quality: r.Quality.String()})
		}
		s.mu.Unlock()
		out = append(out, st)
	}
	return out
}

// publishStatus publishes the gateway's retained status and waits for the PUBACK.
func (g *gw) publishStatus(c publish.Client, topic, state string) error {
	p, err := g.status(state)
	if err != nil {
		return err
	}
	t := c.Publish(topic, 1, true, p)
	if !t.WaitTimeout(10 * time.Second) {
		return fmt.Errorf("gateway: no PUBACK for the %s status within 10s", state)
	}
	return t.Error()
}

func (g *gw) status(state string) ([]byte, error) {
	return wire.Encode(&wire.Status{V: wire.Version, Site: g.cfg.Site, Gateway: g.cfg.Gateway, Boot: g.boot,
		State: state, Time: g.clock.Now(), Version: g.opts.Version, Config: g.ctl.version(), Pending: g.pending()})
}

func (g *gw) broker() string {
	if g.opts.Broker != "" {
		return g.opts.Broker
	}
	return g.cfg.MQTT.Broker
}

func (g *gw) pending() uint64 {
	var n uint64
	for _, s := range []outbox.Stream{outbox.Readings, outbox.Events, outbox.Alarms} {
		n += g.ob.Pending(s)
	}
	return n
}

// background refreshes the clock-sync flag and logs the sensor summary.
func (g *gw) background(ctx context.Context) {
	syncTick := time.NewTicker(time.Minute)
	defer syncTick.Stop()
	var summary <-chan time.Time
	if g.opts.SummaryEvery > 0 {
		t := time.NewTicker(g.opts.SummaryEvery)
		defer t.Stop()
		summary = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-syncTick.C:
			g.sync.refresh()
		case <-summary:
			g.logSummary()
		}
	}
}

func lotsByLocation(cfg *fwconfig.Config) map[string][]string {
	m := map[string][]string{}
	for _, l := range cfg.Locations {
		m[l.ID] = cfg.LotsAt(l.ID)
	}
	return m
}

func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
