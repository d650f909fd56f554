package api

import (
	"fmt"
	"net/http"

	"github.com/lotsense/lotsense/cloud/store"
)

// listAlerts answers GET /api/alerts?state=&kind=&site=&severity=&limit=: alerts,
// newest first, each filter optional.
func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request) {
	var f store.AlertFilter
	var err error
	if f.State, err = enumParam(r, "state", store.AlertOpen, store.AlertAcknowledged, store.AlertResolved); err != nil {
		s.fail(w, r, err)
		return
	}
	if f.Severity, err = enumParam(r, "severity", store.SeverityInfo, store.SeverityWarning, store.SeverityCritical); err != nil {
		s.fail(w, r, err)
		return
	}
	if f.Kind, err = idParam(r, "kind"); err != nil {
		s.fail(w, r, err)
		return
	}
	if f.Site, err = idParam(r, "site"); err != nil {
		s.fail(w, r, err)
		return
	}
	if f.Limit, err = intParam(r, "limit", defaultListLimit, 1, maxListLimit); err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.store.Alerts(r.Context(), f)
	if err != nil {
		s.fail(w, r, fmt.Errorf("list alerts: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// gatewaysBody is the answer of GET /api/gateways.
type gatewaysBody struct {
	Gateways []store.Gateway     `json:"gateways"`
	Sources  []store.SourceStats `json:"sources"`
}

// listGateways answers GET /api/gateways: each gateway's last status and what the
// cloud holds of each gateway outbox.
func (s *Server) listGateways(w http.ResponseWriter, r *http.Request) {
	var body gatewaysBody
	var err error
	if body.Gateways, err = s.store.Gateways(r.Context()); err != nil {
		s.fail(w, r, fmt.Errorf("list gateways: %w", err))
		return
	}
	if body.Sources, err = s.store.Sources(r.Context()); err != nil {
		s.fail(w, r, fmt.Errorf("list sources: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// listDeadLetters answers GET /api/deadletters?limit=: refused payloads, newest first.
func (s *Server) listDeadLetters(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit", defaultDeadLetters, 1, maxDeadLetters)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.store.DeadLetters(r.Context(), limit)
	if err != nil {
		s.fail(w, r, fmt.Errorf("list dead letters: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, list)
}
