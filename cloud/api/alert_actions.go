package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
)

// maxNote bounds the note of an acknowledgement or resolution.
const maxNote = 2000

// alertActionBody is the body of POST /api/alerts/{id}/ack and /resolve.
type alertActionBody struct {
	Note string `json:"note"`
}

// ackAlert answers POST /api/alerts/{id}/ack with {"note": "..."} (optional): the
// alert, acknowledged. 409 when it is not open.
func (s *Server) ackAlert(w http.ResponseWriter, r *http.Request) {
	s.alertAction(w, r, false, s.store.AcknowledgeAlert)
}

// resolveAlert answers POST /api/alerts/{id}/resolve with {"note": "..."} (required:
// what was done): the alert, resolved. 409 when it is resolved already.
func (s *Server) resolveAlert(w http.ResponseWriter, r *http.Request) {
	s.alertAction(w, r, true, s.store.ResolveAlert)
}

func (s *Server) alertAction(w http.ResponseWriter, r *http.Request, needNote bool,
	do func(ctx context.Context, id int64, by, note string, at time.Time) (store.Alert, error)) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, badRequestf("alert id: want a positive integer, got %q", r.PathValue("id")))
		return
	}
	note, err := readNote(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if needNote && note == "" {
		s.fail(w, r, badRequestf(`a note saying what was done is required: {"note": "..."}`))
		return
	}
	a, err := do(r.Context(), id, actor(r), note, time.Now())
	if errors.Is(err, store.ErrAlertTransition) {
		writeError(w, http.StatusConflict, strings.TrimPrefix(err.Error(), "store: "))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// readNote reads {"note": "..."}: JSON only (so a cross-site form cannot post it), no
// other fields, a note of at most maxNote characters, trimmed.
func readNote(w http.ResponseWriter, r *http.Request) (string, error) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return "", badRequestf(`want Content-Type: application/json and a body {"note": "..."}`)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	var b alertActionBody
	if err := dec.Decode(&b); err != nil && !errors.Is(err, io.EOF) {
		return "", badRequestf("body: want {\"note\": \"...\"}: %v", err)
	}
	if dec.More() {
		return "", badRequestf(`body: want one JSON object {"note": "..."}`)
	}
	b.Note = strings.TrimSpace(b.Note)
	if n := len([]rune(b.Note)); n > maxNote {
		return "", badRequestf("note: %d characters, at most %d allowed", n, maxNote)
	}
	return b.Note, nil
}
