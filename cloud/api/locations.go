package api

import (
	"fmt"
	"net/http"
)

// listLocations answers GET /api/locations: every site's locations readings came
// from, each with the newest reading of every sensor and quantity there (time,
// quality) and the lots the newest reading carried.
func (s *Server) listLocations(w http.ResponseWriter, r *http.Request) {
	locs, err := s.store.Locations(r.Context())
	if err != nil {
		s.fail(w, r, fmt.Errorf("list locations: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, locs)
}
