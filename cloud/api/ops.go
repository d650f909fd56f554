package api

import (
	"context"
	"net/http"
	"time"
)

// readyTimeout bounds a health check, so a wedged dependency answers 503, not a hang.
const readyTimeout = 2 * time.Second

// healthz answers GET /healthz: 200 "ok" when Ready returns nil, else 503 with the error.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.ready(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready: " + err.Error() + "\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// serveMetrics answers GET /metrics with the configured metrics handler.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if s.metrics == nil {
		writeError(w, http.StatusNotFound, "metrics are not configured")
		return
	}
	s.metrics.ServeHTTP(w, r)
}
