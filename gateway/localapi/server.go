package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lotsense/lotsense/gateway/outbox"
)

// Outbox is the part of *outbox.Outbox the API reads.
type Outbox interface {
	Epoch() string
	NextSeq(s outbox.Stream) uint64
	Acked(s outbox.Stream) uint64
	Pending(s outbox.Stream) uint64
	PendingBytes() int64
	DiskUsage() int64
}

// Options configure New. Outbox is required.
type Options struct {
	// Listen is the host:port Run serves on; "" serves nothing (Handler still works).
	Listen string
	// Identity, as /status shows it.
	Site, Gateway, Boot, Version, Broker string
	Outbox                               Outbox
	// Dir is the outbox's directory, measured for the bytes on disk; when "", Badger's
	// own measure (Outbox.DiskUsage, refreshed once a minute) is reported.
	Dir string
	// Gatherer has the gateway's metrics: /metrics serves them and /status reads its
	// counters there. Registerer, when set, receives the API's own gauges (connected,
	// disk bytes, stream depth and oldest age); both are usually one registry.
	Gatherer   prometheus.Gatherer
	Registerer prometheus.Registerer
	Clock      func() time.Time          // the gateway's clock; the wall clock when nil
	Synced     func() bool               // whether the system clock is synchronised
	Sensors    func() []Sensor           // every sensor's last poll
	Portal     func() ([]Reader, []Door) // RFID readers and dock doors; nil: none
	Stations   func() []Station          // barcode scanner stations; nil: none
	Config     func() *ConfigStatus      // the configuration in force; nil: not reported
	Logger     *slog.Logger
	Now        func() time.Time // real time; time.Now when nil (tests)
}

// Server is the local API of one gateway run.
type Server struct {
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	started time.Time
	link    *Link
	ages    *ageTracker
	mux     *http.ServeMux
}

// New returns the API of a gateway run and registers its gauges on opts.Registerer.
func New(opts Options) (*Server, error) {
	if opts.Outbox == nil {
		return nil, errors.New("localapi: an outbox is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	now := opts.Now()
	s := &Server{opts: opts, log: opts.Logger, now: opts.Now, started: now, link: newLink(opts.Now),
		ages: newAgeTracker(opts.Outbox, []outbox.Stream{outbox.Readings, outbox.Events, outbox.Alarms}, now)}
	if opts.Registerer != nil {
		if err := opts.Registerer.Register(newCollector(s)); err != nil {
			return nil, fmt.Errorf("localapi: register metrics: %w", err)
		}
	}
	s.routes()
	return s, nil
}

// Link returns the broker connection tracker the gateway's publisher reports to.
func (s *Server) Link() *Link { return s.link }

// Handler returns the API's routes.
func (s *Server) Handler() http.Handler { return s.mux }

func (s *Server) routes() {
	// Go and process metrics live on a registry of the API's own, so the gateway's
	// registry stays the gateway's (and a caller's registry that has them already works).
	own := prometheus.NewRegistry()
	own.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	gatherers := prometheus.Gatherers{own}
	if s.opts.Gatherer != nil {
		gatherers = append(gatherers, s.opts.Gatherer)
	}
	s.mux = http.NewServeMux()
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(gatherers, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}))
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	s.mux.HandleFunc("GET /status", s.handleStatus)
}

func (s *Server) handleStatus(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s.status()); err != nil {
		s.log.Debug("localapi: writing /status", "err", err)
	}
}

// Run samples the outbox for the oldest undelivered age and, when Options.Listen is
// set, serves the API there, until ctx is done; then it shuts the server down. It
// returns an error only when it cannot listen.
func (s *Server) Run(ctx context.Context) error {
	var srv *http.Server
	errc := make(chan error, 1)
	if s.opts.Listen != "" {
		ln, err := new(net.ListenConfig).Listen(ctx, "tcp", s.opts.Listen)
		if err != nil {
			return fmt.Errorf("localapi: listen on %s: %w", s.opts.Listen, err)
		}
		s.log.Info("local API listening", "addr", "http://"+ln.Addr().String(), "routes", "/status /metrics /healthz")
		srv = &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
		go func() { errc <- srv.Serve(ln) }()
	}
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			s.ages.sample(s.now())
		case err := <-errc:
			return fmt.Errorf("localapi: serve: %w", err)
		case <-ctx.Done():
			if srv == nil {
				return nil
			}
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				s.log.Warn("localapi: shutdown", "err", err)
			}
			return nil
		}
	}
}
