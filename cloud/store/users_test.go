package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func openTestStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestUsers(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	ann := &User{Name: "ann", Role: "qa", PasswordHash: "$2a$hash-ann", Created: now}
	if err := s.CreateUser(ctx, ann, "cli:root"); err != nil || ann.ID == 0 {
		t.Fatalf("create ann: id %d, %v", ann.ID, err)
	}
	if err := s.CreateUser(ctx, &User{Name: "ann", Role: "admin", PasswordHash: "x", Created: now}, "cli:root"); !errors.Is(err, ErrExists) {
		t.Fatalf("create ann again: %v, want ErrExists", err)
	}
	if err := s.CreateUser(ctx, &User{Name: "bob", Role: "viewer", PasswordHash: "$2a$hash-bob", Created: now}, "ann"); err != nil {
		t.Fatal(err)
	}
	got, err := s.UserByName(ctx, "ann")
	if err != nil || got.Role != "qa" || got.PasswordHash != "$2a$hash-ann" || got.Disabled || !got.Created.Equal(now) {
		t.Fatalf("ann = %+v, %v", got, err)
	}
	if _, err := s.UserByName(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	list, err := s.Users(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "ann" || list[1].Name != "bob" {
		t.Fatalf("users = %+v, %v", list, err)
	}

	// A new password and disabling both end the user's sessions.
	later := now.Add(time.Hour)
	for _, h := range []string{"h1", "h2"} {
		if err := s.CreateSession(ctx, &Session{TokenHash: h, UserID: ann.ID, CSRF: "c-" + h, Created: now, Expires: later}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetUserPassword(ctx, "ann", "$2a$new", "ann", later); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionByHash(ctx, "h1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("session after a password change: %v, want ErrNotFound", err)
	}
	if got, _ := s.UserByName(ctx, "ann"); got.PasswordHash != "$2a$new" || !got.Updated.Equal(later) {
		t.Errorf("after passwd: %+v", got)
	}
	if err := s.SetUserPassword(ctx, "nobody", "x", "ann", later); !errors.Is(err, ErrNotFound) {
		t.Errorf("passwd of an unknown user: %v", err)
	}
	if err := s.CreateSession(ctx, &Session{TokenHash: "h3", UserID: ann.ID, CSRF: "c", Created: later, Expires: later.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second time changes nothing and writes no audit entry
		if err := s.SetUserDisabled(ctx, "ann", true, "bob", later); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := s.UserByName(ctx, "ann"); !got.Disabled {
		t.Errorf("ann not disabled: %+v", got)
	}
	if _, _, err := s.SessionByHash(ctx, "h3"); !errors.Is(err, ErrNotFound) {
		t.Errorf("session after disable: %v, want ErrNotFound", err)
	}
	if err := s.SetUserDisabled(ctx, "ann", false, "bob", later); err != nil {
		t.Fatal(err)
	}

	audit, err := s.AuditLog(ctx, "user:ann", 100)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ action, actor, after string }{
		{AuditUserAdd, "cli:root", "qa"}, {AuditUserPassword, "ann", ""}, {AuditUserDisable, "bob", "disabled"}, {AuditUserEnable, "bob", "enabled"},
	}
	if len(audit) != len(want) {
		t.Fatalf("audit of ann: %+v, want %d entries", audit, len(want))
	}
	for i, w := range want {
		if a := audit[i]; a.Action != w.action || a.Actor != w.actor || a.After != w.after {
			t.Errorf("audit entry %d = %+v, want %+v", i, a, w)
		}
	}
	if n, err := s.VerifyAudit(ctx); err != nil || n != 5 {
		t.Errorf("VerifyAudit: %d, %v; want 5 entries (ann's 4, bob's creation)", n, err)
	}
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	u := &User{Name: "ann", Role: "qa", PasswordHash: "h", Created: now}
	if err := s.CreateUser(ctx, u, "test"); err != nil {
		t.Fatal(err)
	}
	in := Session{TokenHash: "abc", UserID: u.ID, CSRF: "csrf-1", Created: now, Expires: now.Add(12 * time.Hour)}
	if err := s.CreateSession(ctx, &in); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSession(ctx, &in); err == nil {
		t.Error("a second session with the same token hash was stored")
	}
	got, user, err := s.SessionByHash(ctx, "abc")
	if err != nil || got != in || user.Name != "ann" || user.Role != "qa" {
		t.Fatalf("session = %+v, user %+v, %v; want %+v", got, user, err, in)
	}
	if err := s.ExtendSession(ctx, "abc", now.Add(20*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.SessionByHash(ctx, "abc"); !got.Expires.Equal(now.Add(20 * time.Hour)) {
		t.Errorf("extended expiry %v", got.Expires)
	}
	if err := s.ExtendSession(ctx, "nope", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("extend an unknown session: %v", err)
	}
	old := Session{TokenHash: "old", UserID: u.ID, CSRF: "c", Created: now, Expires: now.Add(time.Minute)}
	if err := s.CreateSession(ctx, &old); err != nil {
		t.Fatal(err)
	}
	if n, err := s.DeleteExpiredSessions(ctx, now.Add(time.Hour)); err != nil || n != 1 {
		t.Errorf("expired sessions deleted: %d, %v; want 1", n, err)
	}
	if _, _, err := s.SessionByHash(ctx, "abc"); err != nil {
		t.Errorf("the live session went too: %v", err)
	}
	if err := s.DeleteSession(ctx, "abc"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionByHash(ctx, "abc"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after DeleteSession: %v", err)
	}
	if err := s.DeleteSession(ctx, "abc"); err != nil {
		t.Errorf("deleting a deleted session: %v", err)
	}
}

func TestAPITokens(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	u := &User{Name: "prom", Role: "viewer", PasswordHash: "h", Created: now}
	if err := s.CreateUser(ctx, u, "test"); err != nil {
		t.Fatal(err)
	}
	tok := &APIToken{Name: "prometheus", UserID: u.ID, Scope: "read", Hash: "h1", Created: now}
	if err := s.CreateToken(ctx, tok, "admin"); err != nil || tok.ID == 0 || tok.User != "prom" {
		t.Fatalf("create token: %+v, %v", tok, err)
	}
	if err := s.CreateToken(ctx, &APIToken{Name: "x", UserID: 999, Scope: "read", Hash: "h2", Created: now}, "admin"); !errors.Is(err, ErrNotFound) {
		t.Errorf("token for an unknown user: %v", err)
	}
	if err := s.CreateToken(ctx, &APIToken{Name: "dup", UserID: u.ID, Scope: "read", Hash: "h1", Created: now}, "admin"); err == nil {
		t.Error("two tokens with the same hash")
	}
	got, user, err := s.TokenByHash(ctx, "h1")
	if err != nil || got.ID != tok.ID || got.Scope != "read" || got.LastUsed != nil || got.Revoked != nil ||
		user.Name != "prom" || user.Role != "viewer" || user.ID != u.ID {
		t.Fatalf("token %+v user %+v, %v", got, user, err)
	}
	if _, _, err := s.TokenByHash(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown token: %v", err)
	}
	used := now.Add(time.Minute)
	if err := s.TouchToken(ctx, tok.ID, used); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, tok.ID, "admin", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, tok.ID, "admin", now.Add(time.Hour)); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoking twice: %v, want ErrNotFound", err)
	}
	list, err := s.Tokens(ctx)
	if err != nil || len(list) != 1 || list[0].LastUsed == nil || !list[0].LastUsed.Equal(used) ||
		list[0].Revoked == nil || !list[0].Revoked.Equal(now.Add(time.Hour)) || list[0].User != "prom" {
		t.Fatalf("tokens = %+v, %v", list, err)
	}
	audit, _ := s.AuditLog(ctx, "token:1", 10)
	if len(audit) != 2 || audit[0].Action != AuditTokenAdd || audit[0].After != "read as prom" || audit[1].Action != AuditTokenRevoke {
		t.Errorf("token audit = %+v", audit)
	}
}
