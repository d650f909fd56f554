package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
)

func TestLoginAndSession(t *testing.T) {
	e := newEnv(t)
	e.user("ann", QA)
	code, res, body := e.do(req{method: "POST", path: "/api/login", body: loginBody{Username: " Ann ", Password: testPassword}})
	if code != http.StatusOK {
		t.Fatalf("login: %d %s", code, body)
	}
	var got struct {
		Username, Role, Via, CSRF string
		Expires                   time.Time
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Username != "ann" || got.Role != "qa" || got.Via != ViaSession || len(got.CSRF) != 43 ||
		!got.Expires.Equal(e.clock.Now().Add(DefaultSessionTTL)) {
		t.Errorf("login answer %s", body)
	}
	cookies := res.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies %v", res.Header["Set-Cookie"])
	}
	c := cookies[0]
	if c.Name != CookieName || len(c.Value) != 43 || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure {
		t.Errorf("session cookie %q: want HttpOnly, SameSite=Strict, Path=/, not Secure over plain HTTP", res.Header.Get("Set-Cookie"))
	}
	// The store has the token's hash only.
	if _, _, err := e.st.SessionByHash(context.Background(), c.Value); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session found by its plain token: %v", err)
	}
	if _, _, err := e.st.SessionByHash(context.Background(), hashToken(c.Value)); err != nil {
		t.Errorf("session not stored by its hash: %v", err)
	}

	code, _, body = e.do(req{method: "GET", path: "/api/session", cookie: c.Value})
	var sess struct{ Username, Role, CSRF string }
	if json.Unmarshal(body, &sess); code != http.StatusOK || sess.Username != "ann" || sess.Role != "qa" || sess.CSRF != got.CSRF {
		t.Errorf("GET /api/session: %d %s", code, body)
	}
	if code, _, body := e.do(req{method: "GET", path: "/api/lots", cookie: c.Value}); code != http.StatusOK || !bytes.Contains(body, []byte(`"user":"ann"`)) {
		t.Errorf("GET /api/lots signed in: %d %s", code, body)
	}
	// Another session of the same user gets another CSRF token.
	_, csrf2 := e.login("ann", testPassword)
	if csrf2 == got.CSRF {
		t.Error("two sessions share a CSRF token")
	}
}

func TestLoginRefused(t *testing.T) {
	e := newEnv(t)
	e.user("ann", Viewer)
	e.user("bob", Operator)
	if err := e.svc.SetDisabled(context.Background(), "test", "bob", true); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		rq   req
		code int
		want string
	}{
		{"wrong password", req{body: loginBody{"ann", "not the password"}}, 401, "wrong user name or password"},
		{"unknown user", req{body: loginBody{"zed", testPassword}}, 401, "wrong user name or password"},
		{"disabled user", req{body: loginBody{"bob", testPassword}}, 403, "disabled"},
		{"no password", req{body: map[string]string{"username": "ann"}}, 400, "username"},
		{"unknown field", req{body: map[string]string{"username": "ann", "password": testPassword, "x": "y"}}, 400, "username"},
		{"cross-site", req{body: loginBody{"ann", testPassword}, header: map[string]string{"Sec-Fetch-Site": "cross-site"}}, 403, "cross-site"},
		{"form post", req{header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, 415, "application/json"},
	} {
		tc.rq.method, tc.rq.path = "POST", "/api/login"
		code, res, body := e.do(tc.rq)
		if code != tc.code || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: %d %s, want %d with %q", tc.name, code, body, tc.code, tc.want)
		}
		if len(res.Cookies()) != 0 {
			t.Errorf("%s: a cookie was set: %v", tc.name, res.Header["Set-Cookie"])
		}
	}
}

func TestLoginLockout(t *testing.T) {
	e := newEnv(t)
	e.user("ann", Viewer)
	wrong := req{method: "POST", path: "/api/login", body: loginBody{"ann", "guess-guess-1"}}
	right := req{method: "POST", path: "/api/login", body: loginBody{"ann", testPassword}}
	for i := range 5 {
		if code, _, body := e.do(wrong); code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d %s, want 401", i+1, code, body)
		}
	}
	// Locked for a minute, even with the right password.
	code, res, body := e.do(right)
	var locked lockedBody
	json.Unmarshal(body, &locked)
	if code != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "60" || locked.RetryAfter != 60 || !strings.Contains(locked.Error, "60 s") {
		t.Fatalf("6th attempt: %d Retry-After %q %s; want 429, 60", code, res.Header.Get("Retry-After"), body)
	}
	e.clock.Add(30 * time.Second)
	if _, res, _ := e.do(right); res.Header.Get("Retry-After") != "30" {
		t.Errorf("30 s later: Retry-After %q, want 30", res.Header.Get("Retry-After"))
	}
	e.clock.Add(31 * time.Second)
	if code, _, _ := e.do(wrong); code != http.StatusUnauthorized { // the 6th failure: 2 minutes
		t.Fatalf("after the lock: %d, want 401", code)
	}
	if _, res, _ := e.do(right); res.Header.Get("Retry-After") != "120" {
		t.Errorf("after a 6th failure: Retry-After %q, want 120 (doubled)", res.Header.Get("Retry-After"))
	}
	e.clock.Add(2 * time.Minute)
	e.login("ann", testPassword) // a success forgets the user name's failures
	if code, _, _ := e.do(wrong); code != http.StatusUnauthorized {
		t.Errorf("a failure after a success: %d, want 401", code)
	}

	// One address guessing many names is stopped after 20 failures, whatever the name.
	e2 := newEnv(t)
	e2.user("ann", Viewer)
	for i := range 20 {
		e2.do(req{method: "POST", path: "/api/login", body: loginBody{Username: "user" + string(rune('a'+i)), Password: "guess-guess-1"}})
	}
	if code, _, _ := e2.do(right); code != http.StatusTooManyRequests {
		t.Errorf("after 20 failures from one address: %d, want 429", code)
	}
}

func TestSessionExpiry(t *testing.T) {
	e := newEnv(t)
	e.user("ann", Viewer)
	cookie, _ := e.login("ann", testPassword)
	get := func() int { code, _, _ := e.do(req{method: "GET", path: "/api/lots", cookie: cookie}); return code }
	// Used within 12 h, the session lives on (sliding expiry)...
	for i := range 3 {
		e.clock.Add(11 * time.Hour)
		if code := get(); code != http.StatusOK {
			t.Fatalf("after %d h in use: %d", 11*(i+1), code)
		}
	}
	// ...and ends 12 h after its last use.
	e.clock.Add(12*time.Hour + time.Second)
	code, res, body := e.do(req{method: "GET", path: "/api/lots", cookie: cookie})
	if code != http.StatusUnauthorized || !strings.Contains(string(body), "sign in") {
		t.Fatalf("12 h idle: %d %s, want 401", code, body)
	}
	if cs := res.Cookies(); len(cs) != 1 || cs[0].Name != CookieName || cs[0].MaxAge >= 0 {
		t.Errorf("the expired cookie was not removed: %v", res.Header["Set-Cookie"])
	}
	if _, _, err := e.st.SessionByHash(context.Background(), hashToken(cookie)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired session still stored: %v", err)
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	e.user("ann", Viewer)
	cookie, csrf := e.login("ann", testPassword)
	if code, _, _ := e.do(req{method: "POST", path: "/api/logout", cookie: cookie}); code != http.StatusForbidden {
		t.Errorf("logout without the CSRF token: %d, want 403", code)
	}
	code, res, _ := e.do(req{method: "POST", path: "/api/logout", cookie: cookie, csrf: csrf})
	if code != http.StatusNoContent {
		t.Fatalf("logout: %d", code)
	}
	if cs := res.Cookies(); len(cs) != 1 || cs[0].MaxAge >= 0 {
		t.Errorf("logout did not remove the cookie: %v", res.Header["Set-Cookie"])
	}
	if code, _, _ := e.do(req{method: "GET", path: "/api/session", cookie: cookie}); code != http.StatusUnauthorized {
		t.Errorf("the session after logout: %d, want 401", code)
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	e.user("olga", Operator)
	cookie, csrf := e.login("olga", testPassword)
	ack := req{method: "POST", path: "/api/alerts/1/ack", cookie: cookie}
	for _, tc := range []struct {
		name   string
		csrf   string
		header map[string]string
		code   int
	}{
		{"no token", "", nil, 403},
		{"wrong token", csrf[:42] + "x", nil, 403},
		{"another session's token", "", nil, 403}, // filled below
		{"right token", csrf, nil, 200},
		{"right token, same origin", csrf, map[string]string{"Origin": e.srv.URL, "Sec-Fetch-Site": "same-origin"}, 200},
		{"right token, other origin", csrf, map[string]string{"Origin": "http://evil.example"}, 403},
		{"right token, cross-site", csrf, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"right token, same-site", csrf, map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
	} {
		if tc.name == "another session's token" {
			_, tc.csrf = e.login("olga", testPassword)
		}
		rq := ack
		rq.csrf, rq.header = tc.csrf, tc.header
		if code, _, body := e.do(rq); code != tc.code {
			t.Errorf("%s: %d %s, want %d", tc.name, code, body, tc.code)
		}
	}
	// Reading needs no CSRF token.
	if code, _, _ := e.do(req{method: "GET", path: "/api/lots", cookie: cookie}); code != http.StatusOK {
		t.Errorf("GET without a CSRF token: %d", code)
	}
}

func TestAPITokens(t *testing.T) {
	e := newEnv(t)
	e.user("olga", Operator)
	readID, read := e.token("olga", ScopeRead)
	_, full := e.token("olga", ScopeFull)
	if !strings.HasPrefix(read, "lst_") || len(read) != tokenLen {
		t.Errorf("token %q", read)
	}
	for _, tc := range []struct {
		name string
		rq   req
		code int
	}{
		{"read token GET", req{method: "GET", path: "/api/lots", bearer: read}, 200},
		{"read token HEAD", req{method: "HEAD", path: "/api/lots", bearer: read}, 200},
		{"read token POST", req{method: "POST", path: "/api/alerts/1/ack", bearer: read}, 403},
		{"full token POST, no CSRF needed", req{method: "POST", path: "/api/alerts/1/ack", bearer: full}, 200},
		{"full token above its user's role", req{method: "POST", path: "/api/lots/x/decision", bearer: full}, 403},
		{"unknown token", req{method: "GET", path: "/api/lots", bearer: "lst_" + strings.Repeat("A", 43)}, 401},
		{"malformed token", req{method: "GET", path: "/api/lots", bearer: "hello"}, 401},
		{"basic auth", req{method: "GET", path: "/api/lots", header: map[string]string{"Authorization": "Basic b2xnYTpwdw=="}}, 401},
		{"metrics without a token", req{method: "GET", path: "/metrics"}, 401},
		{"metrics with a token", req{method: "GET", path: "/metrics", bearer: read}, 200},
		{"healthz open", req{method: "GET", path: "/healthz"}, 200},
	} {
		code, res, body := e.do(tc.rq)
		if code != tc.code {
			t.Errorf("%s: %d %s, want %d", tc.name, code, body, tc.code)
		}
		if code == 401 && !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: 401 without a Bearer challenge", tc.name)
		}
	}
	// A browser session does not open /metrics.
	cookie, _ := e.login("olga", testPassword)
	if code, _, _ := e.do(req{method: "GET", path: "/metrics", cookie: cookie}); code != http.StatusUnauthorized {
		t.Errorf("metrics with a session cookie: %d, want 401", code)
	}
	// Using a token records when.
	list, _ := e.svc.Tokens(context.Background())
	if len(list) != 2 || list[0].LastUsed == nil || !list[0].LastUsed.Equal(e.clock.Now()) {
		t.Errorf("tokens after use: %+v", list)
	}
	// Revoked: refused at once.
	if err := e.svc.RevokeToken(context.Background(), "test", readID); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := e.do(req{method: "GET", path: "/api/lots", bearer: read}); code != http.StatusUnauthorized {
		t.Errorf("revoked token: %d, want 401", code)
	}
	// A disabled user's tokens stop working; enabled again, they work again.
	if err := e.svc.SetDisabled(context.Background(), "test", "olga", true); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := e.do(req{method: "GET", path: "/api/lots", bearer: full}); code != http.StatusUnauthorized {
		t.Errorf("token of a disabled user: %d, want 401", code)
	}
	if code, _, _ := e.do(req{method: "GET", path: "/api/lots", cookie: cookie}); code != http.StatusUnauthorized {
		t.Errorf("session of a disabled user: %d, want 401", code)
	}
	e.svc.SetDisabled(context.Background(), "test", "olga", false)
	if code, _, _ := e.do(req{method: "GET", path: "/api/lots", bearer: full}); code != http.StatusOK {
		t.Errorf("token of an enabled user: %d, want 200", code)
	}
	if _, _, err := e.svc.AddToken(context.Background(), "test", "nobody", "x", ScopeRead); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("token for an unknown user: %v", err)
	}
}

func TestRoles(t *testing.T) {
	e := newEnv(t)
	for _, u := range []struct {
		name string
		role Role
	}{{"vic", Viewer}, {"olga", Operator}, {"quinn", QA}, {"ada", Admin}} {
		e.user(u.name, u.role)
		cookie, csrf := e.login(u.name, testPassword)
		for path, min := range map[string]Role{"/api/alerts/1/ack": Operator, "/api/lots/x/decision": QA} {
			want := http.StatusOK
			if !u.role.AtLeast(min) {
				want = http.StatusForbidden
			}
			code, _, body := e.do(req{method: "POST", path: path, cookie: cookie, csrf: csrf})
			if code != want {
				t.Errorf("%s (%s) POST %s: %d %s, want %d", u.name, u.role, path, code, body, want)
			}
			if code == http.StatusForbidden && !strings.Contains(string(body), "needs the role "+string(min)) {
				t.Errorf("403 does not say which role: %s", body)
			}
		}
	}
	if Role("root").AtLeast(Viewer) || !Admin.AtLeast(QA) || QA.AtLeast(Admin) || !Viewer.AtLeast(Viewer) {
		t.Error("Role.AtLeast")
	}
	if r, err := ParseRole(" QA "); err != nil || r != QA {
		t.Errorf("ParseRole: %v %v", r, err)
	}
	if _, err := ParseRole("root"); !IsInput(err) {
		t.Errorf("ParseRole(root): %v", err)
	}
}

func TestBrowserWithoutSessionGoesToLogin(t *testing.T) {
	e := newEnv(t)
	code, res, _ := e.do(req{method: "GET", path: "/", header: map[string]string{"Accept": "text/html,application/xhtml+xml"}})
	if code != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Errorf("GET / from a browser: %d Location %q, want 303 /login", code, res.Header.Get("Location"))
	}
	if code, _, _ := e.do(req{method: "GET", path: "/api/lots", header: map[string]string{"Accept": "application/json"}}); code != http.StatusUnauthorized {
		t.Errorf("GET /api/lots from a script: %d, want 401", code)
	}
	if code, _, _ := e.do(req{method: "GET", path: "/api/lots", cookie: "forged"}); code != http.StatusUnauthorized {
		t.Errorf("a forged cookie: %d, want 401", code)
	}
}

func TestVerifyPassword(t *testing.T) {
	e := newEnv(t)
	e.user("quinn", QA)
	ctx := context.Background()
	if err := e.svc.VerifyPassword(ctx, "quinn", testPassword); err != nil {
		t.Fatalf("right password: %v", err)
	}
	for range 5 {
		if err := e.svc.VerifyPassword(ctx, "quinn", "not it at all"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	var locked *LockedError
	if err := e.svc.VerifyPassword(ctx, "quinn", testPassword); !errors.As(err, &locked) || locked.Seconds() != 60 {
		t.Fatalf("after 5 failures: %v, want locked for 60 s", err)
	}
	e.clock.Add(time.Minute)
	if err := e.svc.VerifyPassword(ctx, "quinn", testPassword); err != nil {
		t.Errorf("after the lock: %v", err)
	}
	e.svc.SetDisabled(ctx, "test", "quinn", true)
	if err := e.svc.VerifyPassword(ctx, "quinn", testPassword); !errors.Is(err, ErrDisabled) {
		t.Errorf("disabled: %v", err)
	}
	if err := e.svc.VerifyPassword(ctx, "nobody", testPassword); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("unknown user: %v", err)
	}
}

func TestPasswordChangeEndsSessions(t *testing.T) {
	e := newEnv(t)
	e.user("ann", Viewer)
	cookie, _ := e.login("ann", testPassword)
	if err := e.svc.SetPassword(context.Background(), "ann", "ann", "short"); !IsInput(err) {
		t.Errorf("weak new password: %v", err)
	}
	if err := e.svc.SetPassword(context.Background(), "ann", "ann", "a much better one 42"); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := e.do(req{method: "GET", path: "/api/lots", cookie: cookie}); code != http.StatusUnauthorized {
		t.Errorf("old session after a password change: %d", code)
	}
	if code, _, _ := e.do(req{method: "POST", path: "/api/login", body: loginBody{"ann", testPassword}}); code != http.StatusUnauthorized {
		t.Errorf("old password: %d", code)
	}
	e.login("ann", "a much better one 42")
}
