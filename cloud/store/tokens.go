package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// APIToken is a credential for an integration (a script, Prometheus, an ERP): it acts
// as its user within its scope. The store keeps only the SHA-256 of the token.
type APIToken struct {
	ID       int64      `json:"id"`
	Name     string     `json:"name"`
	UserID   int64      `json:"-"`
	User     string     `json:"user"`
	Scope    string     `json:"scope"` // "read" or "full" (package auth)
	Hash     string     `json:"-"`     // hex SHA-256 of the token
	Created  time.Time  `json:"created"`
	LastUsed *time.Time `json:"last_used"`
	Revoked  *time.Time `json:"revoked"`
}

const tokenColumns = `t.id, t.name, t.user_id, u.name, t.scope, t.token_hash, t.created, t.last_used, t.revoked`

func scanToken(sc interface{ Scan(...any) error }, extra ...any) (APIToken, error) {
	var t APIToken
	var created int64
	var used, revoked sql.NullInt64
	dest := append([]any{&t.ID, &t.Name, &t.UserID, &t.User, &t.Scope, &t.Hash, &created, &used, &revoked}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return APIToken{}, err
	}
	t.Created, t.LastUsed, t.Revoked = fromMicros(created), nullMicros(used), nullMicros(revoked)
	return t, nil
}

// CreateToken stores a new token for t.UserID, fills t.ID and writes an audit entry
// naming actor.
func (s *Store) CreateToken(ctx context.Context, t *APIToken, actor string) error {
	return s.withUserTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT name FROM users WHERE id = ?`, t.UserID).Scan(&t.User); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("store: token for user %d: %w", t.UserID, ErrNotFound)
			}
			return fmt.Errorf("store: token for user %d: %w", t.UserID, err)
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (name, user_id, scope, token_hash, created) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			t.Name, t.UserID, t.Scope, t.Hash, micros(t.Created)).Scan(&t.ID)
		if err != nil {
			return fmt.Errorf("store: create token %q: %w", t.Name, err)
		}
		return appendAudit(ctx, tx, &AuditEntry{At: t.Created, Actor: actor, Action: AuditTokenAdd,
			Subject: "token:" + strconv.FormatInt(t.ID, 10), Reason: t.Name, After: t.Scope + " as " + t.User})
	})
}

// TokenByHash returns the token whose secret hashes to hash, revoked or not, with its
// user; ErrNotFound when there is none.
func (s *Store) TokenByHash(ctx context.Context, hash string) (APIToken, User, error) {
	var u User
	var created, updated int64
	t, err := scanToken(s.r.QueryRowContext(ctx, `SELECT `+tokenColumns+`, u.role, u.password_hash, u.disabled, u.created, u.updated
FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?`, hash),
		&u.Role, &u.PasswordHash, &u.Disabled, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return APIToken{}, User{}, fmt.Errorf("store: token: %w", ErrNotFound)
	}
	if err != nil {
		return APIToken{}, User{}, fmt.Errorf("store: token: %w", err)
	}
	u.ID, u.Name, u.Created, u.Updated = t.UserID, t.User, fromMicros(created), fromMicros(updated)
	return t, u, nil
}

// Tokens lists every token, revoked ones included, oldest first.
func (s *Store) Tokens(ctx context.Context) ([]APIToken, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id`)
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	defer rows.Close()
	out := []APIToken{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan token: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes a token for good; ErrNotFound when there is no such token or it
// was revoked already.
func (s *Store) RevokeToken(ctx context.Context, id int64, actor string, at time.Time) error {
	return s.withUserTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked = ? WHERE id = ? AND revoked IS NULL`, micros(at), id)
		if err != nil {
			return fmt.Errorf("store: revoke token %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: token %d, or one not revoked yet: %w", id, ErrNotFound)
		}
		return appendAudit(ctx, tx, &AuditEntry{At: at, Actor: actor, Action: AuditTokenRevoke,
			Subject: "token:" + strconv.FormatInt(id, 10)})
	})
}

// TouchToken records that a token was used at.
func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE api_tokens SET last_used = ? WHERE id = ?`, micros(at), id); err != nil {
		return fmt.Errorf("store: token %d last used: %w", id, err)
	}
	return nil
}
