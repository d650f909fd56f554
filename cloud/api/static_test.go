package api

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestDashboardAssets(t *testing.T) {
	e := newEnv(t, Options{})
	for _, tc := range []struct{ path, ctype, contains string }{
		{"/", "text/html; charset=utf-8", "lotsense — QA dashboard"},
		{"/assets/app.js", "text/javascript; charset=utf-8", "EventSource"},
		{"/assets/style.css", "text/css; charset=utf-8", ".status-on_hold"},
	} {
		res, body := e.get(tc.path, nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", tc.path, res.StatusCode)
			continue
		}
		if got := res.Header.Get("Content-Type"); got != tc.ctype {
			t.Errorf("%s: Content-Type %q, want %q", tc.path, got, tc.ctype)
		}
		if !strings.Contains(string(body), tc.contains) {
			t.Errorf("%s does not contain %q", tc.path, tc.contains)
		}
	}
	for _, path := range []string{"/assets/nope.js", "/assets/", "/nope"} {
		if res, _ := e.get(path, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, res.StatusCode)
		}
	}
}

func TestDashboardETag(t *testing.T) {
	e := newEnv(t, Options{})
	etags := map[string]string{}
	for _, path := range []string{"/", "/assets/app.js", "/assets/style.css"} {
		res, _ := e.get(path, nil)
		tag := res.Header.Get("ETag")
		if !regexp.MustCompile(`^"[0-9a-f]{24}"$`).MatchString(tag) {
			t.Fatalf("%s: ETag %q", path, tag)
		}
		if other, dup := etags[tag]; dup {
			t.Errorf("%s and %s share ETag %s", path, other, tag)
		}
		etags[tag] = path

		for _, inm := range []string{tag, `"other", ` + tag, "W/" + tag, "*"} {
			req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
			req.Header.Set("If-None-Match", inm)
			res, err := e.srv.Client().Do(e.authorize(req))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusNotModified || res.Header.Get("ETag") != tag {
				t.Errorf("%s with If-None-Match %s: %d, ETag %q; want 304", path, inm, res.StatusCode, res.Header.Get("ETag"))
			}
		}
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
		req.Header.Set("If-None-Match", `"stale"`)
		res, err := e.srv.Client().Do(e.authorize(req))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s with a stale ETag: %d, want 200", path, res.StatusCode)
		}
	}
}

// The page must work under "default-src 'self'": no inline script, style or handler.
func TestDashboardHasNoInlineCode(t *testing.T) {
	e := newEnv(t, Options{})
	_, body := e.get("/", nil)
	page := string(body)
	for _, re := range []string{`<script(?:\s[^>]*)?>\s*[^<\s]`, `<style`, `\sstyle=`, `\son[a-z]+=`, `javascript:`} {
		if m := regexp.MustCompile(`(?i)` + re).FindString(page); m != "" {
			t.Errorf("index.html has inline code: %q", m)
		}
	}
	for _, re := range []string{`<script src="/assets/app.js"`, `<link rel="stylesheet" href="/assets/style.css">`, `aria-live="polite"`} {
		if !strings.Contains(page, re) {
			t.Errorf("index.html lacks %s", re)
		}
	}
	_, js := e.get("/assets/app.js", nil)
	if m := regexp.MustCompile(`\.(inner|outer)HTML\b|insertAdjacentHTML|document\.write|\beval\(`).Find(js); m != nil {
		t.Errorf("app.js builds HTML from strings: %s", m)
	}
	// The sign-in page too, and its password is never sent in a URL.
	_, body = e.get("/login", nil)
	page = string(body)
	for _, re := range []string{`<script(?:\s[^>]*)?>\s*[^<\s]`, `<style`, `\sstyle=`, `\son[a-z]+=`, `javascript:`} {
		if m := regexp.MustCompile(`(?i)` + re).FindString(page); m != "" {
			t.Errorf("login.html has inline code: %q", m)
		}
	}
	for _, want := range []string{`<script src="/assets/login.js"`, `<form id="login-form" class="login-form" method="post"`, `type="password"`, `autocomplete="current-password"`} {
		if !strings.Contains(page, want) {
			t.Errorf("login.html lacks %s", want)
		}
	}
	_, js = e.get("/assets/login.js", nil)
	if m := regexp.MustCompile(`\.(inner|outer)HTML\b|insertAdjacentHTML|document\.write|\beval\(`).Find(js); m != nil {
		t.Errorf("login.js builds HTML from strings: %s", m)
	}
}
