package auth

import (
	"encoding/json"
	"errors"
	"mime"
	"net"
	"net/http"
	"strconv"
	"time"
)

// loginBody is what POST /api/login takes.
type loginBody struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// sessionBody is what POST /api/login and GET /api/session answer.
type sessionBody struct {
	User
	CSRF    string     `json:"csrf,omitempty"`
	Expires *time.Time `json:"expires,omitempty"`
}

// lockedBody is the 429 answer.
type lockedBody struct {
	Error      string `json:"error"`
	RetryAfter int    `json:"retry_after"`
}

// HandleLogin answers POST /api/login {"username", "password"}: 200 with the session
// cookie set and {username, role, csrf, expires}; 401 for a wrong name or password,
// 403 for a disabled user, 429 with Retry-After after too many failures.
func (s *Service) HandleLogin(w http.ResponseWriter, r *http.Request) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "POST /api/login takes application/json: {\"username\": ..., \"password\": ...}")
		return
	}
	if err := sameOrigin(r); err != nil {
		writeError(w, http.StatusForbidden, err.Error())
		return
	}
	var in loginBody
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || in.Username == "" || in.Password == "" {
		writeError(w, http.StatusBadRequest, `want {"username": ..., "password": ...}`)
		return
	}
	sess, err := s.Login(r.Context(), in.Username, in.Password, ClientIP(r))
	var locked *LockedError
	switch {
	case errors.As(err, &locked):
		w.Header().Set("Retry-After", strconv.Itoa(locked.Seconds()))
		writeJSON(w, http.StatusTooManyRequests, lockedBody{RetryAfter: locked.Seconds(),
			Error: "too many failed sign-ins for this user name or from this address; try again in " + strconv.Itoa(locked.Seconds()) + " s"})
	case errors.Is(err, ErrBadCredentials):
		writeError(w, http.StatusUnauthorized, "wrong user name or password")
	case errors.Is(err, ErrDisabled):
		writeError(w, http.StatusForbidden, "this user is disabled; ask an administrator")
	case err != nil:
		s.log.Error("auth: sign-in", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
	default:
		http.SetCookie(w, s.cookie(r, sess.Token, 0))
		writeJSON(w, http.StatusOK, sessionBody{User: sess.User, CSRF: sess.CSRF, Expires: &sess.Expires})
	}
}

// HandleLogout answers POST /api/logout: it ends the session and removes the cookie.
// The middleware has checked the session and its CSRF token.
func (s *Service) HandleLogout(w http.ResponseWriter, r *http.Request) {
	u, ok := UserFrom(r.Context())
	if !ok || u.Via != ViaSession {
		writeError(w, http.StatusBadRequest, "sign-out ends a browser session; an API token is revoked instead")
		return
	}
	c, err := r.Cookie(CookieName)
	if err == nil {
		err = s.Logout(r.Context(), c.Value)
	}
	if err != nil {
		s.log.Error("auth: sign-out", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	http.SetCookie(w, s.cookie(r, "", -1))
	s.log.Info("auth: signed out", "user", u.Name)
	w.WriteHeader(http.StatusNoContent)
}

// HandleSession answers GET /api/session: who the request acts for, and for a
// browser session its CSRF token and expiry.
func (s *Service) HandleSession(w http.ResponseWriter, r *http.Request) {
	p, ok := r.Context().Value(ctxKey{}).(*principal)
	if !ok {
		writeError(w, http.StatusUnauthorized, "sign in first")
		return
	}
	body := sessionBody{User: p.user, CSRF: p.csrf}
	if p.user.Via == ViaSession {
		body.Expires = &p.expires
	}
	writeJSON(w, http.StatusOK, body)
}

// ClientIP is the address a request came from (the TCP peer; a proxy in front is
// one client).
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
