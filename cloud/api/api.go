package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/lotsense/lotsense/cloud/alerts"
	"github.com/lotsense/lotsense/cloud/auth"
	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/cloud/trace"
)

// DefaultHeartbeat is how often the alert stream sends a comment when it has nothing
// else to say, so proxies and browsers keep an idle connection open.
const DefaultHeartbeat = 15 * time.Second

// Options configures a Server. Store and Auth are required; the rest have defaults.
type Options struct {
	Store *store.Store
	// Auth checks every request's credentials (see access.go for what each route needs).
	Auth *auth.Service
	// Hub feeds the live alert stream; without it /api/alerts/stream answers 503.
	Hub *alerts.Hub
	// Logger logs each request at debug level; nil discards.
	Logger *slog.Logger
	// Metrics serves GET /metrics, typically
	// promhttp.HandlerFor(registry, promhttp.HandlerOpts{}); nil answers 404.
	Metrics http.Handler
	// Ready reports whether the service can answer (GET /healthz); nil pings the store.
	Ready func(context.Context) error
	// Heartbeat is the alert stream's idle heartbeat period; 0 means DefaultHeartbeat.
	Heartbeat time.Duration
	// Trace is the traceability record; without it the traceability routes
	// (trace.go) answer 404. LotCodes is the pattern lot codes are assigned from
	// (trace.DefaultLotCodePattern when empty).
	Trace    *trace.Store
	LotCodes trace.LotCodePattern
}

// Server serves the REST API, the alert stream and the embedded dashboard.
type Server struct {
	store     *store.Store
	auth      *auth.Service
	hub       *alerts.Hub
	log       *slog.Logger
	metrics   http.Handler
	ready     func(context.Context) error
	heartbeat time.Duration
	trace     *trace.Store
	lotCodes  trace.LotCodePattern
	assets    assets
	handler   http.Handler

	done      chan struct{} // closed by Close: live streams end
	closeOnce sync.Once
}

// New returns a Server configured by opts.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("api: Options.Store is required")
	}
	if opts.Auth == nil {
		return nil, errors.New("api: Options.Auth is required")
	}
	s := &Server{
		store:     opts.Store,
		auth:      opts.Auth,
		hub:       opts.Hub,
		log:       opts.Logger,
		metrics:   opts.Metrics,
		ready:     opts.Ready,
		heartbeat: opts.Heartbeat,
		trace:     opts.Trace,
		lotCodes:  opts.LotCodes,
		done:      make(chan struct{}),
	}
	if s.lotCodes == "" {
		s.lotCodes = trace.DefaultLotCodePattern
	}
	if err := s.lotCodes.Check(); err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.ready == nil {
		s.ready = s.store.Ping
	}
	if s.heartbeat <= 0 {
		s.heartbeat = DefaultHeartbeat
	}
	a, err := loadAssets()
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	s.assets = a
	s.handler = s.logRequests(secureHeaders(s.auth.Middleware(access, jsonMuxErrors(s.routes()))))
	return s, nil
}

// Close ends the live alert streams (their browsers reconnect elsewhere or later).
// Call it before http.Server.Shutdown, which does not wait for streams to end by
// themselves. The other routes keep working.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	return nil
}

// routes is the whole route table.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/lots", s.listLots)
	mux.HandleFunc("GET /api/lots/{id}", s.getLot)
	mux.HandleFunc("GET /api/lots/{id}/audit", s.lotAudit)
	mux.Handle("POST /api/lots/{id}/decision", auth.Require(auth.QA, s.decideLot))
	mux.HandleFunc("GET /api/events", s.listEvents)
	mux.HandleFunc("GET /api/alerts", s.listAlerts)
	mux.HandleFunc("GET /api/alerts/stream", s.streamAlerts)
	mux.Handle("POST /api/alerts/{id}/ack", auth.Require(auth.Operator, s.ackAlert))
	mux.Handle("POST /api/alerts/{id}/resolve", auth.Require(auth.Operator, s.resolveAlert))
	mux.HandleFunc("GET /api/locations", s.listLocations)
	mux.HandleFunc("GET /api/gateways", s.listGateways)
	mux.HandleFunc("GET /api/deadletters", s.listDeadLetters)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /metrics", s.serveMetrics)
	mux.HandleFunc("GET /{$}", s.serveIndex)
	mux.HandleFunc("GET /assets/{name}", s.serveAsset)
	// Signing in, and managing users and tokens (access.go has the roles).
	mux.HandleFunc("GET /login", s.serveLogin)
	mux.HandleFunc("POST /api/login", s.auth.HandleLogin)
	mux.HandleFunc("POST /api/logout", s.auth.HandleLogout)
	mux.HandleFunc("GET /api/session", s.auth.HandleSession)
	mux.Handle("GET /api/users", auth.Require(auth.Admin, s.listUsers))
	mux.Handle("POST /api/users", auth.Require(auth.Admin, s.addUser))
	mux.Handle("POST /api/users/{name}/disable", auth.Require(auth.Admin, s.disableUser))
	mux.Handle("POST /api/users/{name}/enable", auth.Require(auth.Admin, s.enableUser))
	mux.Handle("GET /api/tokens", auth.Require(auth.Admin, s.listTokens))
	mux.Handle("POST /api/tokens", auth.Require(auth.Admin, s.addToken))
	mux.Handle("DELETE /api/tokens/{id}", auth.Require(auth.Admin, s.revokeToken))
	if s.trace != nil {
		s.traceRoutes(mux)
		s.exportRoutes(mux)
	}
	return mux
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// secureHeaders sets the headers every response carries: the dashboard loads scripts
// and styles only from its own origin and is never framed.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if r.TLS != nil {
			// Over HTTPS, browsers are told to use nothing else for a year.
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status code for the request log; Unwrap lets
// http.ResponseController reach the real writer's Flush.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (rec *statusRecorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *statusRecorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriter.Write(b)
	rec.bytes += int64(n)
	return n, err
}

func (rec *statusRecorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.log.Enabled(r.Context(), slog.LevelDebug) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "http request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Int64("bytes", rec.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", r.RemoteAddr))
	})
}
