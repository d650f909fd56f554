package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Session is a signed-in browser. The store keeps only the SHA-256 of the session
// token (the cookie's value), never the token itself.
type Session struct {
	TokenHash string // hex SHA-256 of the token
	UserID    int64
	CSRF      string // the value state-changing requests must echo in X-CSRF-Token
	Created   time.Time
	Expires   time.Time
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, sess *Session) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, csrf, created, expires) VALUES (?, ?, ?, ?, ?)`,
		sess.TokenHash, sess.UserID, sess.CSRF, micros(sess.Created), micros(sess.Expires))
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SessionByHash returns the session whose token hashes to tokenHash and its user, or
// ErrNotFound. Expiry is the caller's to check.
func (s *Store) SessionByHash(ctx context.Context, tokenHash string) (Session, User, error) {
	sess := Session{TokenHash: tokenHash}
	var created, expires int64
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+`, s.csrf, s.created, s.expires
FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, tokenHash), &sess.CSRF, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, User{}, fmt.Errorf("store: session: %w", ErrNotFound)
	}
	if err != nil {
		return Session{}, User{}, fmt.Errorf("store: session: %w", err)
	}
	sess.UserID, sess.Created, sess.Expires = u.ID, fromMicros(created), fromMicros(expires)
	return sess, u, nil
}

// ExtendSession moves a session's expiry (sliding expiry); ErrNotFound when the
// session has ended meanwhile.
func (s *Store) ExtendSession(ctx context.Context, tokenHash string, expires time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE sessions SET expires = ? WHERE token_hash = ?`, micros(expires), tokenHash)
	if err != nil {
		return fmt.Errorf("store: extend session: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: extend session: %w", ErrNotFound)
	}
	return nil
}

// DeleteSession ends a session (sign-out); ending one that does not exist is not an
// error.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions that expired before now and returns how
// many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE expires < ?`, micros(now))
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
