package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/lotsense/lotsense/cloud/store"
)

// Limits of the list endpoints: default and maximum number of items.
const (
	defaultListLimit = 500
	maxListLimit     = 5000

	defaultLotReadings = 200
	maxLotReadings     = 10000

	defaultLotMovements = 200
	maxLotMovements     = 10000

	defaultDeadLetters = 100
	maxDeadLetters     = 1000
)

// lotDetail is the answer of GET /api/lots/{id}.
type lotDetail struct {
	Lot        store.Lot            `json:"lot"`
	Readings   []store.Reading      `json:"readings"`
	Excursions []store.Excursion    `json:"excursions"`
	History    []store.StatusChange `json:"history"`
	Movements  []store.Movement     `json:"movements"` // through dock doors, newest first
}

// listLots answers GET /api/lots?status=&limit=: lots, most recently seen first.
func (s *Server) listLots(w http.ResponseWriter, r *http.Request) {
	status, err := enumParam(r, "status",
		store.StatusReleased, store.StatusOnHold, store.StatusRejected, store.StatusDestroyed)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	limit, err := intParam(r, "limit", defaultListLimit, 1, maxListLimit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lots, err := s.store.Lots(r.Context(), status, limit)
	if err != nil {
		s.fail(w, r, fmt.Errorf("list lots: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, lots)
}

// getLot answers GET /api/lots/{id}?readings=&movements=: a lot with its newest
// readings, its excursions, its status history and its newest movements through dock
// doors. The id is the lot key, percent-encoded in the URL.
func (s *Server) getLot(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("id")
	n, err := intParam(r, "readings", defaultLotReadings, 0, maxLotReadings)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	nm, err := intParam(r, "movements", defaultLotMovements, 0, maxLotMovements)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	lot, err := s.store.LotByKey(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("lot %q not found", key))
		return
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("lot %q: %w", key, err))
		return
	}
	d := lotDetail{Lot: lot}
	if d.Readings, err = s.store.LotReadings(ctx, lot.ID, n); err != nil {
		s.fail(w, r, fmt.Errorf("lot %q: %w", key, err))
		return
	}
	if d.Excursions, err = s.store.LotExcursions(ctx, lot.ID); err != nil {
		s.fail(w, r, fmt.Errorf("lot %q: %w", key, err))
		return
	}
	if d.History, err = s.store.LotHistory(ctx, lot.ID); err != nil {
		s.fail(w, r, fmt.Errorf("lot %q: %w", key, err))
		return
	}
	if d.Movements, err = s.store.LotMovements(ctx, lot.ID, nm); err != nil {
		s.fail(w, r, fmt.Errorf("lot %q: %w", key, err))
		return
	}
	writeJSON(w, http.StatusOK, d)
}
