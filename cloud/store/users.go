package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrExists is returned when a record to create exists already (a user name taken).
var ErrExists = errors.New("store: already exists")

// Audit actions about users and API tokens (package auth decides who may do them).
const (
	AuditUserAdd      = "user.add"      // after: the role
	AuditUserPassword = "user.password" // a new password (never written anywhere but as a bcrypt hash)
	AuditUserDisable  = "user.disable"  // before/after: "enabled" / "disabled"
	AuditUserEnable   = "user.enable"   // before/after: "disabled" / "enabled"
	AuditTokenAdd     = "token.add"     // subject token:<id>; after: "<scope> as <user>"
	AuditTokenRevoke  = "token.revoke"  // subject token:<id>
)

// User is a person who signs in to the dashboard or on whose behalf an API token acts.
type User struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	PasswordHash string    `json:"-"` // bcrypt
	Disabled     bool      `json:"disabled"`
	Created      time.Time `json:"created"`
	Updated      time.Time `json:"updated"`
}

const userColumns = `u.id, u.name, u.role, u.password_hash, u.disabled, u.created, u.updated`

func scanUser(sc interface{ Scan(...any) error }, extra ...any) (User, error) {
	var u User
	var created, updated int64
	dest := append([]any{&u.ID, &u.Name, &u.Role, &u.PasswordHash, &u.Disabled, &created, &updated}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return User{}, err
	}
	u.Created, u.Updated = fromMicros(created), fromMicros(updated)
	return u, nil
}

// CreateUser stores a new user (ErrExists when the name is taken), fills u.ID and
// writes an audit entry naming actor.
func (s *Store) CreateUser(ctx context.Context, u *User, actor string) error {
	return s.withUserTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO users (name, role, password_hash, disabled, created, updated)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id`,
			u.Name, u.Role, u.PasswordHash, u.Disabled, micros(u.Created), micros(u.Created)).Scan(&u.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: user %q: %w", u.Name, ErrExists)
		}
		if err != nil {
			return fmt.Errorf("store: create user %q: %w", u.Name, err)
		}
		u.Updated = u.Created
		return appendAudit(ctx, tx, &AuditEntry{At: u.Created, Actor: actor, Action: AuditUserAdd,
			Subject: "user:" + u.Name, After: u.Role})
	})
}

// UserByName returns the user called name, or ErrNotFound.
func (s *Store) UserByName(ctx context.Context, name string) (User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("store: user %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: user %q: %w", name, err)
	}
	return u, nil
}

// Users lists every user by name.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+userColumns+` FROM users u ORDER BY u.name`)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	defer rows.Close()
	out := []User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan user: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetUserPassword replaces a user's password hash and ends the user's sessions.
func (s *Store) SetUserPassword(ctx context.Context, name, hash, actor string, at time.Time) error {
	return s.withUserTx(ctx, func(tx *sql.Tx) error {
		id, err := updateUser(ctx, tx, name, `password_hash = ?, updated = ?`, hash, micros(at))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
			return fmt.Errorf("store: end sessions of %q: %w", name, err)
		}
		return appendAudit(ctx, tx, &AuditEntry{At: at, Actor: actor, Action: AuditUserPassword, Subject: "user:" + name})
	})
}

// SetUserDisabled disables (ending the user's sessions; the user's API tokens stop
// working too) or enables a user. Setting the state the user has already is not an
// error and writes nothing.
func (s *Store) SetUserDisabled(ctx context.Context, name string, disabled bool, actor string, at time.Time) error {
	return s.withUserTx(ctx, func(tx *sql.Tx) error {
		var id int64
		var was bool
		err := tx.QueryRowContext(ctx, `SELECT id, disabled FROM users WHERE name = ?`, name).Scan(&id, &was)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: user %q: %w", name, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: user %q: %w", name, err)
		}
		if was == disabled {
			return nil
		}
		if _, err := updateUser(ctx, tx, name, `disabled = ?, updated = ?`, disabled, micros(at)); err != nil {
			return err
		}
		e := &AuditEntry{At: at, Actor: actor, Action: AuditUserEnable, Subject: "user:" + name, Before: "disabled", After: "enabled"}
		if disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return fmt.Errorf("store: end sessions of %q: %w", name, err)
			}
			e.Action, e.Before, e.After = AuditUserDisable, "enabled", "disabled"
		}
		return appendAudit(ctx, tx, e)
	})
}

// updateUser sets columns (an UPDATE's SET clause) of the user called name.
func updateUser(ctx context.Context, tx *sql.Tx, name, set string, args ...any) (id int64, err error) {
	err = tx.QueryRowContext(ctx, `UPDATE users SET `+set+` WHERE name = ? RETURNING id`, append(args, name)...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: user %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("store: update user %q (%s): %w", name, strings.SplitN(set, " ", 2)[0], err)
	}
	return id, nil
}

// withUserTx runs fn in one write transaction, committed when fn returns nil.
func (s *Store) withUserTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}
