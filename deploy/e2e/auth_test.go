package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// apiTokens maps a cloud's address (host:port) to the API token its requests send.
var apiTokens sync.Map

// authorize makes every request to api (http://host:port) carry token.
func authorize(api, token string) { apiTokens.Store(strings.TrimPrefix(api, "http://"), token) }

// withToken adds the token authorize set for req's cloud.
func withToken(req *http.Request) *http.Request {
	if tok, ok := apiTokens.Load(req.URL.Host); ok {
		req.Header.Set("Authorization", "Bearer "+tok.(string))
	}
	return req
}

// cloudCLI runs lotsense-cloud with args and stdin, and returns its standard output.
func cloudCLI(t testing.TB, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "lotsense-cloud"), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("lotsense-cloud %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// cliToken adds the user e2e (a viewer) to the cloud's data directory with the real
// CLI and returns a read-scope API token for it: what the tests read the API with.
func cliToken(t testing.TB, data string) string {
	t.Helper()
	cloudCLI(t, "reader password 1234\n", "user", "add", "e2e", "-role", "viewer", "-data", data)
	return strings.TrimSpace(cloudCLI(t, "", "token", "add", "-user", "e2e", "-name", "e2e tests", "-scope", "read", "-data", data))
}

// Users and tokens as an administrator handles them: with the CLI on the data
// directory of a running cloud, whose API sees each change at once.
func TestUsersAndTokensEndToEnd(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "cloud")
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	api := "http://" + httpAddr
	cloudCLI(t, "admin password 9876\n", "user", "add", "ada", "-role", "admin", "-data", data)
	cloud := start(t, "lotsense-cloud", dir, filepath.Join(binDir, "lotsense-cloud"), "serve",
		"-data", data, "-http", httpAddr, "-mqtt-listen", fmt.Sprintf("127.0.0.1:%d", freePort(t)), "-client-id", "cloud-auth")
	waitPort(t, httpAddr, cloud)

	status := func(method, path, token string) int {
		t.Helper()
		req, _ := http.NewRequest(method, api+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	for path, want := range map[string]int{"/healthz": 200, "/login": 200, "/api/lots": 401, "/metrics": 401, "/": 401} {
		if got := status("GET", path, ""); got != want {
			t.Errorf("GET %s without credentials: %d, want %d", path, got, want)
		}
	}

	// A token added while the cloud runs works at once, and stops at once when revoked.
	token := strings.TrimSpace(cloudCLI(t, "", "token", "add", "-user", "ada", "-name", "prometheus", "-scope", "read", "-data", data))
	if got := status("GET", "/metrics", token); got != 200 {
		t.Errorf("GET /metrics with a new token: %d", got)
	}
	if got := status("POST", "/api/tokens", token); got != 403 {
		t.Errorf("POST with a read token: %d, want 403", got)
	}
	if list := cloudCLI(t, "", "token", "list", "-data", data); !strings.Contains(list, "prometheus") {
		t.Errorf("token list:\n%s", list)
	}
	cloudCLI(t, "", "token", "revoke", "1", "-data", data)
	if got := status("GET", "/metrics", token); got != 401 {
		t.Errorf("GET /metrics with a revoked token: %d, want 401", got)
	}

	// A browser session: signed in with the password, ended by disabling the user.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	body, _ := json.Marshal(map[string]string{"username": "ada", "password": "admin password 9876"})
	res, err := browser.Post(api+"/api/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	var me struct{ Username, Role, CSRF string }
	res, err = browser.Get(api + "/api/session")
	if err == nil {
		err = json.NewDecoder(res.Body).Decode(&me)
		res.Body.Close()
	}
	if err != nil || me.Username != "ada" || me.Role != "admin" || me.CSRF == "" {
		t.Fatalf("GET /api/session: %+v, %v", me, err)
	}
	cloudCLI(t, "", "user", "disable", "ada", "-data", data)
	if list := cloudCLI(t, "", "user", "list", "-data", data); !strings.Contains(list, "disabled") {
		t.Errorf("user list:\n%s", list)
	}
	res, err = browser.Get(api + "/api/session")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Errorf("the session of a disabled user: %d, want 401", res.StatusCode)
	}
	cloud.stop(t)
}
