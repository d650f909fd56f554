package api

import (
	"fmt"
	"net/http"

	"github.com/lotsense/lotsense/cloud/store"
)

// Limits of GET /api/events: an event may list hundreds of tags, so fewer per page.
const (
	defaultEvents = 100
	maxEvents     = 1000
)

// eventTypes are the event types GET /api/events filters by.
var eventTypes = []string{store.EventReceiving, store.EventShipping, store.EventPortalSeen,
	store.EventPutaway, store.EventPicking, store.EventScanRejected, store.EventSensorOffline}

// listEvents answers GET /api/events?type=&location=&limit=: stored gateway events,
// newest first. type is one event type or several separated by commas (the dashboard
// asks for receiving,shipping,portal_seen); location is a location id (for portal
// events, the dock door).
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	types, err := enumListParam(r, "type", eventTypes...)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	location, err := idParam(r, "location")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	limit, err := intParam(r, "limit", defaultEvents, 1, maxEvents)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	evs, err := s.store.Events(r.Context(), store.EventFilter{Types: types, Location: location, Limit: limit})
	if err != nil {
		s.fail(w, r, fmt.Errorf("list events: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, evs)
}
