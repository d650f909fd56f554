package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/lotsense/lotsense/cloud/auth"
	"github.com/lotsense/lotsense/cloud/store"
)

// run runs one user or token command with stdin and returns its output.
func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	c := cli{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}
	switch args[0] {
	case "user":
		err = c.user(context.Background(), args[1:])
	case "token":
		err = c.token(context.Background(), args[1:])
	default:
		t.Fatalf("run %v", args)
	}
	return out.String(), errb.String(), err
}

func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, errs, err := run(t, stdin, args...)
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, errs)
	}
	return out
}

func TestUserCommands(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	if _, _, err := run(t, "", "user", "list", "-data", data); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Fatalf("user list without a database: %v", err)
	}
	// Flags before or after the name; the password from standard input.
	mustRun(t, "correct horse battery\n", "user", "add", "ann", "-role", "admin", "-data", data)
	mustRun(t, "", "user", "add", "-data", data, "-role", "viewer", "-password-file", writeFile(t, "viewer pass 1234\r\n"), "vic")

	// serve has the database open meanwhile (as it would be): it sees every change.
	st, err := store.Open(ctx, filepath.Join(data, "lotsense.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc, err := auth.New(auth.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.VerifyPassword(ctx, "ann", "correct horse battery"); err != nil {
		t.Errorf("ann's password: %v", err)
	}
	if err := svc.VerifyPassword(ctx, "vic", "viewer pass 1234"); err != nil {
		t.Errorf("vic's password (from a file, CRLF): %v", err)
	}

	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"short\n", []string{"user", "add", "bob", "-role", "qa"}, "too short"},
		{"password123\n", []string{"user", "add", "bob", "-role", "qa"}, "common"},
		{"", []string{"user", "add", "bob", "-role", "qa"}, "no password"},
		{"a fine password 9\n", []string{"user", "add", "bob", "-role", "root"}, "unknown role"},
		{"a fine password 9\n", []string{"user", "add", "bob"}, "unknown role"},
		{"a fine password 9\n", []string{"user", "add", "Bob", "-role", "qa"}, "user name"},
		{"a fine password 9\n", []string{"user", "add", "ann", "-role", "qa"}, "already exists"},
		{"", []string{"user", "add", "-role", "qa"}, "one user name"},
		{"", []string{"user", "disable", "nobody"}, "not found"},
		{"", []string{"user", "frobnicate", "x"}, "unknown command"},
	} {
		_, _, err := run(t, tc.stdin, append(tc.args, "-data", data)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error about %q", tc.args, err, tc.want)
		}
	}

	mustRun(t, "", "user", "disable", "vic", "-data", data)
	out := mustRun(t, "", "user", "list", "-data", data)
	for _, re := range []string{`(?m)^NAME\s+ROLE\s+STATE\s+CREATED$`, `(?m)^ann\s+admin\s+enabled\s+\d{4}-`, `(?m)^vic\s+viewer\s+disabled\s+\d{4}-`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("user list lacks %s:\n%s", re, out)
		}
	}
	if strings.Contains(out, "bob") {
		t.Errorf("a refused user was added:\n%s", out)
	}
	if err := svc.VerifyPassword(ctx, "vic", "viewer pass 1234"); !errors.Is(err, auth.ErrDisabled) {
		t.Errorf("vic after disable: %v, want ErrDisabled", err)
	}
	mustRun(t, "", "user", "enable", "vic", "-data", data)
	mustRun(t, "another good one 7\n", "user", "passwd", "vic", "-data", data)
	if err := svc.VerifyPassword(ctx, "vic", "another good one 7"); err != nil {
		t.Errorf("vic's new password: %v", err)
	}
	audit, _ := st.AuditLog(ctx, "user:vic", 10)
	if len(audit) != 4 || !strings.HasPrefix(audit[1].Actor, "cli") || audit[1].Action != store.AuditUserDisable {
		t.Errorf("vic's audit entries: %+v", audit)
	}
}

func TestTokenCommands(t *testing.T) {
	data := t.TempDir()
	mustRun(t, "correct horse battery\n", "user", "add", "prom", "-role", "viewer", "-data", data)
	out, errs, err := run(t, "", "token", "add", "-user", "prom", "-name", "prometheus", "-scope", "read", "-data", data)
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(out)
	if !regexp.MustCompile(`^lst_[A-Za-z0-9_-]{43}$`).MatchString(secret) || !strings.Contains(errs, "shown only now") {
		t.Fatalf("token add printed %q (stderr %q)", out, errs)
	}
	for _, tc := range []struct{ args []string }{
		{[]string{"token", "add", "-user", "prom", "-name", "x", "-scope", "write"}},
		{[]string{"token", "add", "-user", "nobody", "-name", "x"}},
		{[]string{"token", "add", "-user", "prom"}},
		{[]string{"token", "revoke", "abc"}},
		{[]string{"token", "revoke", "99"}},
	} {
		if _, _, err := run(t, "", append(tc.args, "-data", data)...); err == nil {
			t.Errorf("%v: no error", tc.args)
		}
	}
	list := mustRun(t, "", "token", "list", "-data", data)
	if !regexp.MustCompile(`(?m)^1\s+prometheus\s+prom\s+read\s+\d{4}-\S+ \S+\s+-\s+-$`).MatchString(list) || strings.Contains(list, secret) {
		t.Errorf("token list:\n%s", list)
	}
	mustRun(t, "", "token", "revoke", "1", "-data", data)
	list = mustRun(t, "", "token", "list", "-data", data)
	if !regexp.MustCompile(`(?m)^1\s+prometheus\s+prom\s+read\s+.*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`).MatchString(list) {
		t.Errorf("token list after revoke shows no revocation time:\n%s", list)
	}
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
