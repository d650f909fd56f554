package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/gateway/wire"
)

// errorBody is every error response: {"error": "..."}.
type errorBody struct {
	Error string `json:"error"`
}

// badRequest is an error caused by the request itself; its text is shown to the client.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

func badRequestf(format string, args ...any) error {
	return &badRequest{msg: fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v) // the client went away; nothing useful to do
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

// fail answers with the status err calls for: 400 for a bad request, 404 for
// store.ErrNotFound, otherwise 500 with the details only in the log.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var bad *badRequest
	switch {
	case errors.As(err, &bad):
		writeError(w, http.StatusBadRequest, bad.msg)
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not found")
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client left; nobody reads the answer.
	default:
		s.log.LogAttrs(r.Context(), slog.LevelError, "http request failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
		writeError(w, http.StatusInternalServerError, "internal error")
	}
}

// jsonMuxErrors makes the mux's own answers under /api/ (404 for an unknown path, 405
// for a known path with another method) JSON like every other API error.
func jsonMuxErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" && strings.HasPrefix(r.URL.Path, "/api/") {
			w = &muxErrorWriter{ResponseWriter: w, r: r}
		}
		mux.ServeHTTP(w, r)
	})
}

// muxErrorWriter replaces a plain-text error (from http.Error) with {"error": "..."}.
type muxErrorWriter struct {
	http.ResponseWriter
	r        *http.Request
	replaced bool
}

func (w *muxErrorWriter) WriteHeader(code int) {
	if code < 400 {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	msg := fmt.Sprintf("no such endpoint: %s %s", w.r.Method, w.r.URL.Path)
	if code == http.StatusMethodNotAllowed {
		msg = fmt.Sprintf("method %s not allowed on %s (allowed: %s)", w.r.Method, w.r.URL.Path, w.Header().Get("Allow"))
	}
	w.replaced = true
	writeError(w.ResponseWriter, code, msg)
}

func (w *muxErrorWriter) Write(b []byte) (int, error) {
	if w.replaced {
		return len(b), nil // the plain-text body, already replaced
	}
	return w.ResponseWriter.Write(b)
}

// intParam reads the integer query parameter name: def when absent, a 400 error when
// it is not an integer within [lo, hi].
func intParam(r *http.Request, name string, def, lo, hi int) (int, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || n < lo || n > hi {
		return 0, badRequestf("query parameter %q: want an integer from %d to %d, got %q", name, lo, hi, raw)
	}
	return n, nil
}

// enumParam reads the query parameter name, which must be empty or one of allowed.
func enumParam(r *http.Request, name string, allowed ...string) (string, error) {
	v := r.URL.Query().Get(name)
	if v == "" || slices.Contains(allowed, v) {
		return v, nil
	}
	return "", badRequestf("query parameter %q: want one of %s, got %q", name, strings.Join(allowed, ", "), v)
}

// enumListParam reads the query parameter name as values separated by commas, each one
// of allowed; nil when absent. A value given twice counts once.
func enumListParam(r *http.Request, name string, allowed ...string) ([]string, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return nil, nil
	}
	var out []string
	for _, v := range strings.Split(raw, ",") {
		if !slices.Contains(allowed, v) {
			return nil, badRequestf("query parameter %q: want one or more of %s separated by commas, got %q",
				name, strings.Join(allowed, ", "), raw)
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out, nil
}

// idParam reads the query parameter name, which must be empty or an id as gateways
// use them for sites, gateways and locations.
func idParam(r *http.Request, name string) (string, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return "", nil
	}
	if wire.CheckID(name, v) != nil {
		return "", badRequestf("query parameter %q: want an id of at most %d lower-case letters, digits, '.', '_' or '-' (not first), got %q",
			name, wire.MaxIDLen, v)
	}
	return v, nil
}
