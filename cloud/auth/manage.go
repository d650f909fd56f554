package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/lotsense/lotsense/cloud/store"
)

// Managing users and tokens: the CLI and the admin API call these. actor names who
// does it in the audit log.

// AddUser creates a user with a role and a password that passes CheckPassword.
func (s *Service) AddUser(ctx context.Context, actor, name string, role Role, password string) (store.User, error) {
	if err := CheckUserName(name); err != nil {
		return store.User{}, err
	}
	if _, err := ParseRole(string(role)); err != nil {
		return store.User{}, err
	}
	hash, err := s.hashPassword(name, password)
	if err != nil {
		return store.User{}, err
	}
	u := store.User{Name: name, Role: string(role), PasswordHash: hash, Created: s.now()}
	if err := s.store.CreateUser(ctx, &u, actor); err != nil {
		return store.User{}, err
	}
	s.log.Info("auth: user added", "user", name, "role", role, "by", actor)
	return u, nil
}

// SetPassword gives a user a new password (which must pass CheckPassword) and ends
// the user's sessions.
func (s *Service) SetPassword(ctx context.Context, actor, name, password string) error {
	hash, err := s.hashPassword(name, password)
	if err != nil {
		return err
	}
	if err := s.store.SetUserPassword(ctx, name, hash, actor, s.now()); err != nil {
		return err
	}
	s.log.Info("auth: password changed", "user", name, "by", actor)
	return nil
}

// SetDisabled disables a user (ending the user's sessions and stopping the user's
// tokens) or enables one again.
func (s *Service) SetDisabled(ctx context.Context, actor, name string, disabled bool) error {
	if err := s.store.SetUserDisabled(ctx, name, disabled, actor, s.now()); err != nil {
		return err
	}
	s.log.Info("auth: user disabled or enabled", "user", name, "disabled", disabled, "by", actor)
	return nil
}

// Users lists the users.
func (s *Service) Users(ctx context.Context) ([]store.User, error) { return s.store.Users(ctx) }

// AddToken creates an API token for user with a name and a scope, and returns it with
// its secret: shown once, stored only as a hash.
func (s *Service) AddToken(ctx context.Context, actor, user, name string, scope Scope) (store.APIToken, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return store.APIToken{}, "", inputf("token name %q: want 1 to 100 printable characters", name)
	}
	if _, err := ParseScope(string(scope)); err != nil {
		return store.APIToken{}, "", err
	}
	u, err := s.store.UserByName(ctx, user)
	if err != nil {
		return store.APIToken{}, "", err
	}
	if u.Disabled {
		return store.APIToken{}, "", inputf("user %q is disabled", user)
	}
	secret := randomToken(tokenPrefix)
	t := store.APIToken{Name: name, UserID: u.ID, Scope: string(scope), Hash: hashToken(secret), Created: s.now()}
	if err := s.store.CreateToken(ctx, &t, actor); err != nil {
		return store.APIToken{}, "", err
	}
	s.log.Info("auth: API token added", "token", t.ID, "name", name, "user", user, "scope", scope, "by", actor)
	return t, secret, nil
}

// Tokens lists the API tokens (never their secrets).
func (s *Service) Tokens(ctx context.Context) ([]store.APIToken, error) { return s.store.Tokens(ctx) }

// RevokeToken revokes an API token; it stops working at once.
func (s *Service) RevokeToken(ctx context.Context, actor string, id int64) error {
	if err := s.store.RevokeToken(ctx, id, actor, s.now()); err != nil {
		return err
	}
	s.log.Info("auth: API token revoked", "token", id, "by", actor)
	return nil
}

func (s *Service) hashPassword(name, password string) (string, error) {
	if err := CheckPassword(name, password); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), s.cost)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return string(h), nil
}

// IsInput reports whether err is about what was asked (a weak password, an unknown
// role or scope, a bad name, a name taken, a user or token that does not exist) rather
// than a failure of the service.
func IsInput(err error) bool {
	var weak *WeakPasswordError
	var input *InputError
	return errors.As(err, &weak) || errors.As(err, &input) || errors.Is(err, store.ErrExists) || errors.Is(err, store.ErrNotFound)
}
