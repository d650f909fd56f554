package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lotsense/lotsense/cloud/auth"
	"github.com/lotsense/lotsense/cloud/store"
)

// Without credentials only the sign-in page, its assets, POST /api/login and
// /healthz answer; everything else is 401 (or, for a browser, the sign-in page).
func TestEverythingElseNeedsCredentials(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("lotsense_up 1\n")) })
	e := newEnv(t, Options{Metrics: metrics})
	for _, path := range []string{"/healthz", "/login", "/assets/login.js", "/assets/style.css", "/assets/favicon.svg"} {
		if res, _ := e.doAs("", http.MethodGet, path, nil); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s without credentials: %d, want 200", path, res.StatusCode)
		}
	}
	for _, path := range []string{"/", "/assets/app.js", "/assets/index.html", "/assets/login.html", "/api/lots", "/api/lots/x",
		"/api/events", "/api/alerts", "/api/alerts/stream", "/api/gateways", "/api/deadletters", "/api/session",
		"/api/users", "/api/tokens", "/metrics", "/api/nothing-here", "/nope"} {
		res, body := e.doAs("", http.MethodGet, path, nil)
		var msg errorBody
		if res.StatusCode != http.StatusUnauthorized || json.Unmarshal(body, &msg) != nil || msg.Error == "" {
			t.Errorf("GET %s without credentials: %d %s, want a JSON 401", path, res.StatusCode, body)
		}
	}
	for _, path := range []string{"/api/logout", "/api/users", "/api/tokens", "/api/lots"} {
		if res, _ := e.doAs("", http.MethodPost, path, struct{}{}); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("POST %s without credentials: %d, want 401", path, res.StatusCode)
		}
	}
	// A browser asking for the dashboard is sent to the sign-in page.
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/", nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Errorf("GET / from a browser: %d → %q, want 303 → /login", res.StatusCode, res.Header.Get("Location"))
	}
	// /metrics takes API tokens (what Prometheus sends), a read-scope one will do.
	e.user("prometheus", auth.Viewer)
	if res, body := e.doAs(e.newToken("prometheus", auth.ScopeRead), http.MethodGet, "/metrics", nil); res.StatusCode != http.StatusOK || string(body) != "lotsense_up 1\n" {
		t.Errorf("GET /metrics with a token: %d %q", res.StatusCode, body)
	}
}

// A browser session, as the dashboard has it: sign in, read, change things only with
// the CSRF token, sign out.
func TestSessionThroughTheAPI(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("ada", auth.Admin)
	e.user("vic", auth.Viewer)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	send := func(method, path, csrf string, body any) (int, []byte) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, e.srv.URL+path, rd)
		req.Header.Set("Content-Type", "application/json")
		if csrf != "" {
			req.Header.Set(auth.CSRFHeader, csrf)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	login := func(name string) string {
		t.Helper()
		code, body := send("POST", "/api/login", "", map[string]string{"username": name, "password": testPassword})
		var s struct{ CSRF string }
		if json.Unmarshal(body, &s); code != http.StatusOK || s.CSRF == "" {
			t.Fatalf("login %s: %d %s", name, code, body)
		}
		return s.CSRF
	}

	csrf := login("vic")
	if code, body := send("GET", "/api/lots", "", nil); code != http.StatusOK {
		t.Errorf("viewer GET /api/lots: %d %s", code, body)
	}
	if code, body := send("GET", "/api/session", "", nil); code != http.StatusOK || !bytes.Contains(body, []byte(`"csrf":"`+csrf+`"`)) {
		t.Errorf("GET /api/session: %d %s", code, body)
	}
	// A viewer may not manage users: 403, with or without reading rights.
	if code, body := send("GET", "/api/users", "", nil); code != http.StatusForbidden || !strings.Contains(string(body), "admin") {
		t.Errorf("viewer GET /api/users: %d %s, want 403", code, body)
	}
	if code, _ := send("POST", "/api/users/root/disable", csrf, nil); code != http.StatusForbidden {
		t.Errorf("viewer disabling a user: %d, want 403", code)
	}
	if code, _ := send("POST", "/api/logout", csrf, nil); code != http.StatusNoContent {
		t.Fatalf("logout: %d", code)
	}
	if code, _ := send("GET", "/api/lots", "", nil); code != http.StatusUnauthorized {
		t.Errorf("after logout: %d, want 401", code)
	}

	csrf = login("ada")
	for _, tc := range []struct {
		name, csrf string
		code       int
	}{{"without the CSRF token", "", 403}, {"with a wrong one", csrf + "x", 403}, {"with the right one", csrf, 204}} {
		if code, body := send("POST", "/api/users/vic/disable", tc.csrf, nil); code != tc.code {
			t.Errorf("admin disabling vic %s: %d %s, want %d", tc.name, code, body, tc.code)
		}
	}
	if u, _ := e.st.UserByName(t.Context(), "vic"); !u.Disabled {
		t.Error("vic is not disabled")
	}
	audit, _ := e.st.AuditLog(t.Context(), "user:vic", 10)
	if len(audit) != 2 || audit[1].Action != store.AuditUserDisable || audit[1].Actor != "ada" {
		t.Errorf("audit of vic: %+v", audit)
	}
}

func TestUserAndTokenAdmin(t *testing.T) {
	e := newEnv(t, Options{})
	// root (admin, full token) adds a user and a read token for it.
	res, body := e.do("POST", "/api/users", map[string]string{"name": "olga", "role": "operator", "password": testPassword})
	var u store.User
	if json.Unmarshal(body, &u); res.StatusCode != http.StatusCreated || u.Name != "olga" || u.Role != "operator" || bytes.Contains(body, []byte("$2a$")) {
		t.Fatalf("add user: %d %s", res.StatusCode, body)
	}
	for _, tc := range []struct {
		body map[string]string
		code int
		want string
	}{
		{map[string]string{"name": "olga", "role": "viewer", "password": testPassword}, 409, "exists"},
		{map[string]string{"name": "weak", "role": "viewer", "password": "password123"}, 400, "common"},
		{map[string]string{"name": "x", "role": "root", "password": testPassword}, 400, "role"},
		{map[string]string{"name": "Bad Name", "role": "viewer", "password": testPassword}, 400, "user name"},
		{map[string]string{"name": "y", "role": "viewer", "password": testPassword, "extra": "1"}, 400, "unknown field"},
	} {
		if res, body := e.do("POST", "/api/users", tc.body); res.StatusCode != tc.code || !strings.Contains(string(body), tc.want) {
			t.Errorf("add user %v: %d %s, want %d with %q", tc.body, res.StatusCode, body, tc.code, tc.want)
		}
	}
	res, body = e.do("POST", "/api/tokens", map[string]string{"user": "olga", "name": "erp", "scope": "read"})
	var tok struct {
		ID    int64
		User  string
		Scope string
		Token string
	}
	if json.Unmarshal(body, &tok); res.StatusCode != http.StatusCreated || tok.User != "olga" || tok.Scope != "read" || !strings.HasPrefix(tok.Token, "lst_") {
		t.Fatalf("add token: %d %s", res.StatusCode, body)
	}
	if res, _ := e.doAs(tok.Token, "GET", "/api/lots", nil); res.StatusCode != http.StatusOK {
		t.Errorf("the new token: %d", res.StatusCode)
	}
	// Read scope: no changes, even for an admin's token.
	adminRead := e.newToken("root", auth.ScopeRead)
	if res, body := e.doAs(adminRead, "POST", "/api/tokens", map[string]string{"user": "olga", "name": "x", "scope": "full"}); res.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "scope read") {
		t.Errorf("POST with a read-scope token: %d %s, want 403", res.StatusCode, body)
	}
	if res, _ := e.doAs(adminRead, "GET", "/api/tokens", nil); res.StatusCode != http.StatusOK {
		t.Errorf("GET /api/tokens with an admin's read token: %d", res.StatusCode)
	}
	// An operator's full token is still no admin.
	olgaFull := e.newToken("olga", auth.ScopeFull)
	if res, _ := e.doAs(olgaFull, "DELETE", "/api/tokens/1", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("operator revoking a token: %d, want 403", res.StatusCode)
	}
	// The list shows no secrets.
	res, body = e.do("GET", "/api/tokens", nil)
	if res.StatusCode != http.StatusOK || bytes.Contains(body, []byte(tok.Token)) || bytes.Contains(body, []byte(e.token)) || !bytes.Contains(body, []byte(`"name":"erp"`)) {
		t.Errorf("GET /api/tokens: %d %s", res.StatusCode, body)
	}
	if regexp.MustCompile(`[0-9a-f]{64}`).Match(body) {
		t.Errorf("GET /api/tokens shows a token hash: %s", body)
	}
	// Revoked: refused at once.
	if res, body := e.do("DELETE", "/api/tokens/"+itoa(tok.ID), nil); res.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", res.StatusCode, body)
	}
	if res, _ := e.doAs(tok.Token, "GET", "/api/lots", nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token: %d, want 401", res.StatusCode)
	}
	if res, _ := e.do("DELETE", "/api/tokens/"+itoa(tok.ID), nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("revoking twice: %d, want 404", res.StatusCode)
	}
	if res, _ := e.do("DELETE", "/api/tokens/abc", nil); res.StatusCode != http.StatusBadRequest {
		t.Errorf("revoking token abc: %d, want 400", res.StatusCode)
	}
	var users []store.User
	if e.get("/api/users", &users); len(users) != 2 || users[0].Name != "olga" || users[1].Name != "root" {
		t.Errorf("users = %+v", users)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
