package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/lotsense/lotsense/cloud/auth"
	"github.com/lotsense/lotsense/cloud/store"
)

// User and API token management, for admins (the CLI does the same on the data
// directory: lotsense-cloud user …, token …).

// decodeUserBody reads a small JSON body into v, refusing unknown fields.
func decodeUserBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequestf("request body: %v", err)
	}
	return nil
}

// failAuth answers an error of package auth: what was asked is refused with 400
// (409 for a name taken, 404 for no such user or token), anything else is a failure.
func (s *Server) failAuth(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, store.ErrExists):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case auth.IsInput(err):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		s.fail(w, r, err)
	}
}

// listUsers answers GET /api/users.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	list, err := s.auth.Users(r.Context())
	if err != nil {
		s.fail(w, r, fmt.Errorf("list users: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// addUser answers POST /api/users {"name", "role", "password"} with 201 and the user.
func (s *Server) addUser(w http.ResponseWriter, r *http.Request) {
	var in struct{ Name, Role, Password string }
	if err := decodeUserBody(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	role, err := auth.ParseRole(in.Role)
	if err != nil {
		s.failAuth(w, r, err)
		return
	}
	u, err := s.auth.AddUser(r.Context(), actor(r), in.Name, role, in.Password)
	if err != nil {
		s.failAuth(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, u)
}

// disableUser and enableUser answer POST /api/users/{name}/disable and /enable.
func (s *Server) disableUser(w http.ResponseWriter, r *http.Request) { s.setDisabled(w, r, true) }

func (s *Server) enableUser(w http.ResponseWriter, r *http.Request) { s.setDisabled(w, r, false) }

func (s *Server) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	if err := s.auth.SetDisabled(r.Context(), actor(r), r.PathValue("name"), disabled); err != nil {
		s.failAuth(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listTokens answers GET /api/tokens: every token, never a secret.
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	list, err := s.auth.Tokens(r.Context())
	if err != nil {
		s.fail(w, r, fmt.Errorf("list tokens: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// newTokenBody is the answer of POST /api/tokens: the only time the secret is shown.
type newTokenBody struct {
	store.APIToken
	Token string `json:"token"`
}

// addToken answers POST /api/tokens {"user", "name", "scope"} with 201, the token's
// record and its secret.
func (s *Server) addToken(w http.ResponseWriter, r *http.Request) {
	var in struct{ User, Name, Scope string }
	if err := decodeUserBody(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	scope, err := auth.ParseScope(in.Scope)
	if err != nil {
		s.failAuth(w, r, err)
		return
	}
	t, secret, err := s.auth.AddToken(r.Context(), actor(r), in.User, in.Name, scope)
	if err != nil {
		s.failAuth(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newTokenBody{APIToken: t, Token: secret})
}

// revokeToken answers DELETE /api/tokens/{id} with 204.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, badRequestf("token id %q: want a positive integer", r.PathValue("id")))
		return
	}
	if err := s.auth.RevokeToken(r.Context(), actor(r), id); err != nil {
		s.failAuth(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
