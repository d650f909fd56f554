package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/lotsense/lotsense/cloud/store"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// env is a Service over a real SQLite store behind a real HTTP server, routes as the
// cloud's API has them.
type env struct {
	t     *testing.T
	st    *store.Store
	clock *clock
	svc   *Service
	srv   *httptest.Server
}

const testPassword = "correct horse battery"

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "lotsense.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, st: st, clock: &clock{t: time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)}}
	e.svc, err = New(Options{Store: st, BcryptCost: bcrypt.MinCost, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ok := func(w http.ResponseWriter, r *http.Request) {
		u, _ := UserFrom(r.Context())
		writeJSON(w, http.StatusOK, map[string]string{"user": u.Name, "via": u.Via})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/login", e.svc.HandleLogin)
	mux.HandleFunc("POST /api/logout", e.svc.HandleLogout)
	mux.HandleFunc("GET /api/session", e.svc.HandleSession)
	mux.HandleFunc("GET /api/lots", ok)
	mux.Handle("POST /api/alerts/{id}/ack", Require(Operator, ok))
	mux.Handle("POST /api/lots/{id}/decision", Require(QA, ok))
	mux.HandleFunc("GET /metrics", ok)
	mux.HandleFunc("GET /healthz", ok)
	mux.HandleFunc("GET /{$}", ok)
	access := func(r *http.Request) Access {
		switch r.URL.Path {
		case "/api/login", "/healthz":
			return Open
		case "/metrics":
			return NeedToken
		}
		return NeedUser
	}
	e.srv = httptest.NewServer(e.svc.Middleware(access, mux))
	t.Cleanup(e.srv.Close)
	return e
}

// user adds a user with testPassword.
func (e *env) user(name string, role Role) {
	e.t.Helper()
	if _, err := e.svc.AddUser(context.Background(), "test", name, role, testPassword); err != nil {
		e.t.Fatalf("add user %s: %v", name, err)
	}
}

// token adds an API token for user and returns its secret.
func (e *env) token(user string, scope Scope) (int64, string) {
	e.t.Helper()
	tok, secret, err := e.svc.AddToken(context.Background(), "test", user, "test "+string(scope), scope)
	if err != nil {
		e.t.Fatalf("add token: %v", err)
	}
	return tok.ID, secret
}

// req is one request to the test server.
type req struct {
	method, path string
	body         any
	cookie       string // the session token
	csrf         string
	bearer       string
	header       map[string]string
}

// do sends rq and returns the status, the response and the body.
func (e *env) do(rq req) (int, *http.Response, []byte) {
	e.t.Helper()
	var body io.Reader
	if rq.body != nil {
		b, _ := json.Marshal(rq.body)
		body = bytes.NewReader(b)
	}
	r, err := http.NewRequest(rq.method, e.srv.URL+rq.path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if rq.body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if rq.cookie != "" {
		r.AddCookie(&http.Cookie{Name: CookieName, Value: rq.cookie})
	}
	if rq.csrf != "" {
		r.Header.Set(CSRFHeader, rq.csrf)
	}
	if rq.bearer != "" {
		r.Header.Set("Authorization", "Bearer "+rq.bearer)
	}
	for k, v := range rq.header {
		r.Header.Set(k, v)
	}
	// No redirects followed: the test sees them.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(r)
	if err != nil {
		e.t.Fatalf("%s %s: %v", rq.method, rq.path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res, b
}

// login signs in and returns the session token (the cookie) and the CSRF token.
func (e *env) login(name, password string) (cookie, csrf string) {
	e.t.Helper()
	code, res, body := e.do(req{method: "POST", path: "/api/login", body: loginBody{Username: name, Password: password}})
	if code != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", name, code, body)
	}
	var s struct{ CSRF string }
	if err := json.Unmarshal(body, &s); err != nil || s.CSRF == "" {
		e.t.Fatalf("login answer %s: %v", body, err)
	}
	for _, c := range res.Cookies() {
		if c.Name == CookieName {
			return c.Value, s.CSRF
		}
	}
	e.t.Fatalf("login set no %s cookie: %v", CookieName, res.Header["Set-Cookie"])
	return "", ""
}
