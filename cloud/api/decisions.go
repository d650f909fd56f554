package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/lotsense/lotsense/cloud/auth"
	"github.com/lotsense/lotsense/cloud/holds"
	"github.com/lotsense/lotsense/cloud/store"
)

// decisionRequest is the body of POST /api/lots/{id}/decision.
type decisionRequest struct {
	To       string `json:"to"`       // on_hold, released, rejected, destroyed
	From     string `json:"from"`     // the status the decider saw; optional
	Reason   string `json:"reason"`   // required, for the audit log
	Password string `json:"password"` // the signed-in user's password again: the signature
}

// decisionResponse answers a decision taken.
type decisionResponse struct {
	Lot  string    `json:"lot"`
	From string    `json:"from"`
	To   string    `json:"to"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

// decideLot answers POST /api/lots/{id}/decision (role qa): a lot put on hold, released,
// rejected or destroyed, with a reason, signed by re-entering the user's password.
// 403 for a wrong signature, 409 when the lot's status changed meanwhile, 422 for a
// change the workflow does not allow (e.g. releasing a destroyed lot).
func (s *Server) decideLot(w http.ResponseWriter, r *http.Request) {
	u, _ := auth.UserFrom(r.Context())
	var in decisionRequest
	if err := decodeUserBody(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.auth.VerifyPassword(r.Context(), u.Name, in.Password); err != nil {
		var locked *auth.LockedError
		switch {
		case errors.As(err, &locked):
			w.Header().Set("Retry-After", strconv.Itoa(locked.Seconds()))
			writeError(w, http.StatusTooManyRequests, err.Error())
		case errors.Is(err, auth.ErrBadCredentials), errors.Is(err, auth.ErrDisabled):
			writeError(w, http.StatusForbidden, "signature refused: the password is not "+u.Name+"'s")
		default:
			s.fail(w, r, err)
		}
		return
	}
	d := holds.Decision{Lot: r.PathValue("id"), To: in.To, From: in.From, Reason: in.Reason, Actor: u.Actor(), At: time.Now()}
	from, err := holds.Decide(r.Context(), s.store, d)
	switch {
	case err == nil:
		s.log.Info("lot decision", "lot", d.Lot, "from", from, "to", d.To, "by", d.Actor, "reason", d.Reason)
		writeJSON(w, http.StatusOK, decisionResponse{Lot: d.Lot, From: from, To: d.To, By: d.Actor, At: d.At})
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, holds.ErrNoReason):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, holds.ErrStale):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, holds.ErrTransition):
		writeError(w, http.StatusUnprocessableEntity, err.Error())
	default:
		s.fail(w, r, err)
	}
}

// lotAudit answers GET /api/lots/{id}/audit: the lot's audit log entries, oldest first.
func (s *Server) lotAudit(w http.ResponseWriter, r *http.Request) {
	entries, err := s.store.AuditLog(r.Context(), "lot:"+r.PathValue("id"), 1000)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, entries)
}
