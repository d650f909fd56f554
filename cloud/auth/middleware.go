package auth

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Access is what a route asks of a request's credentials.
type Access int

const (
	// NeedUser: a session cookie or an API token (every route unless said otherwise).
	NeedUser Access = iota
	// Open: no credentials (the sign-in page and its assets, POST /api/login, health).
	Open
	// NeedToken: an API token in Authorization: Bearer (metrics: what Prometheus sends).
	NeedToken
	// Capture: a signed-in user as NeedUser, and also a capture-scope token (the
	// routes partners and machines send tracking events to).
	Capture
)

// principal is what the middleware puts in a request's context.
type principal struct {
	user    User
	csrf    string // sessions only
	expires time.Time
}

type ctxKey struct{}

// UserFrom returns the user the request acts for; ok is false on routes that need no
// credentials.
func UserFrom(ctx context.Context) (User, bool) {
	p, ok := ctx.Value(ctxKey{}).(*principal)
	if !ok {
		return User{}, false
	}
	return p.user, true
}

// WithUser returns ctx acting for u, as the middleware does (for tests and for work
// started on a user's behalf).
func WithUser(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, ctxKey{}, &principal{user: u})
}

// Middleware authenticates each request next serves, as access says for it:
//
//   - Authorization: Bearer <token> is an API token; a read-scope token may only GET
//     and HEAD. Bearer requests need no CSRF token.
//   - Otherwise the session cookie. A state-changing request (any method but GET,
//     HEAD, OPTIONS) must carry the session's CSRF token in X-CSRF-Token and, when the
//     browser says, come from this site (Origin, Sec-Fetch-Site).
//
// Without valid credentials API requests get 401 (JSON) and browsers asking for a
// page are sent to the sign-in page. A session-authenticated request's context ends
// when the session would expire, so a long-lived stream does not outlive it.
func (s *Service) Middleware(access func(*http.Request) Access, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		acc := access(r)
		if acc == Open {
			next.ServeHTTP(w, r)
			return
		}
		if h := r.Header.Get("Authorization"); h != "" {
			s.serveToken(w, r, h, acc, next)
			return
		}
		if acc == NeedToken {
			w.Header().Set("WWW-Authenticate", `Bearer realm="lotsense"`)
			writeError(w, http.StatusUnauthorized, "this endpoint needs an API token: Authorization: Bearer <token>")
			return
		}
		s.serveSession(w, r, next)
	})
}

func (s *Service) serveToken(w http.ResponseWriter, r *http.Request, header string, acc Access, next http.Handler) {
	scheme, token, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		w.Header().Set("WWW-Authenticate", `Bearer realm="lotsense"`)
		writeError(w, http.StatusUnauthorized, "Authorization: want Bearer <token>")
		return
	}
	u, err := s.tokenUser(r.Context(), strings.TrimSpace(token))
	if err != nil {
		s.refuse(w, r, err, `Bearer realm="lotsense", error="invalid_token"`)
		return
	}
	if u.Scope == ScopeRead && !safeMethod(r.Method) {
		writeError(w, http.StatusForbidden, fmt.Sprintf("API token %d has scope read: %s is not allowed, only GET and HEAD", u.TokenID, r.Method))
		return
	}
	if u.Scope == ScopeCapture && acc != Capture {
		writeError(w, http.StatusForbidden, fmt.Sprintf("API token %d has scope capture: it may only send tracking events (POST /api/epcis/capture, POST /api/trace/events), not %s %s", u.TokenID, r.Method, r.URL.Path))
		return
	}
	next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, &principal{user: u})))
}

func (s *Service) serveSession(w http.ResponseWriter, r *http.Request, next http.Handler) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		s.refuse(w, r, ErrUnauthenticated, "")
		return
	}
	u, sess, err := s.sessionUser(r.Context(), c.Value)
	if err != nil {
		if errors.Is(err, ErrUnauthenticated) {
			http.SetCookie(w, s.cookie(r, "", -1))
		}
		s.refuse(w, r, err, "")
		return
	}
	if !safeMethod(r.Method) {
		if err := sameOrigin(r); err != nil {
			writeError(w, http.StatusForbidden, err.Error())
			return
		}
		got := r.Header.Get(CSRFHeader)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRF)) != 1 {
			writeError(w, http.StatusForbidden, "missing or wrong "+CSRFHeader+" header: send the csrf value of GET /api/session")
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), sess.Expires.Sub(s.now())) // s.now may be a test's clock
	defer cancel()
	ctx = context.WithValue(ctx, ctxKey{}, &principal{user: u, csrf: sess.CSRF, expires: sess.Expires})
	next.ServeHTTP(w, r.WithContext(ctx))
}

// refuse answers a request without valid credentials: browsers asking for a page go
// to the sign-in page, the rest get 401; a failure of the store is a 500.
func (s *Service) refuse(w http.ResponseWriter, r *http.Request, err error, challenge string) {
	if !errors.Is(err, ErrUnauthenticated) {
		s.log.Error("auth: checking credentials", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	if challenge == "" && r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html") {
		http.Redirect(w, r, s.login, http.StatusSeeOther)
		return
	}
	if challenge == "" {
		challenge = `Bearer realm="lotsense"`
	}
	w.Header().Set("WWW-Authenticate", challenge)
	writeError(w, http.StatusUnauthorized, "sign in first (POST /api/login), or send Authorization: Bearer <token>")
}

// Require wraps h so only users with at least role min reach it: 401 without a user,
// 403 with a lower role. Every route that changes state names its role with it.
func Require(min Role, h http.HandlerFunc) http.Handler { return RequireRole(min)(h) }

// RequireRole is Require as middleware.
func RequireRole(min Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, ok := UserFrom(r.Context())
			if !ok {
				writeError(w, http.StatusUnauthorized, "sign in first")
				return
			}
			if !u.Role.AtLeast(min) {
				writeError(w, http.StatusForbidden, fmt.Sprintf("%s %s needs the role %s or higher; %s is %s", r.Method, r.URL.Path, min, u.Name, u.Role))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// safeMethod: methods that change nothing.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// sameOrigin refuses a request the browser says comes from another site.
func sameOrigin(r *http.Request) error {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return fmt.Errorf("cross-site request refused (Sec-Fetch-Site: %s)", site)
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
			return fmt.Errorf("cross-site request refused (Origin %s is not %s)", o, r.Host)
		}
	}
	return nil
}

// cookie returns the session cookie with value; maxAge -1 removes it.
func (s *Service) cookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: CookieName, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.secure || r.TLS != nil}
}

type errorBody struct {
	Error string `json:"error"`
}

// writeJSON and writeError answer like the rest of the API.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}
