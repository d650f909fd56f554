package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/lotsense/lotsense/cloud/store"
)

var (
	// ErrBadCredentials: no such user, or the wrong password (never said which).
	ErrBadCredentials = errors.New("auth: wrong user name or password")
	// ErrDisabled: the password was right but the user is disabled.
	ErrDisabled = errors.New("auth: user disabled")
	// ErrUnauthenticated: no valid session or token.
	ErrUnauthenticated = errors.New("auth: not signed in")
)

// LockedError refuses a sign-in after too many failures.
type LockedError struct{ RetryAfter time.Duration }

func (e *LockedError) Error() string {
	return fmt.Sprintf("auth: too many failed sign-ins; try again in %d s", e.Seconds())
}

// Seconds is RetryAfter in whole seconds, rounded up (for the Retry-After header).
func (e *LockedError) Seconds() int { return int(math.Ceil(e.RetryAfter.Seconds())) }

// Options configures a Service. Store is required.
type Options struct {
	Store *store.Store
	// Logger logs sign-ins, failures (never the password) and lockouts; nil discards.
	Logger *slog.Logger
	// SessionTTL is how long a session lives after its last use; 0 means
	// DefaultSessionTTL.
	SessionTTL time.Duration
	// Limits are the sign-in rate limits; zero fields take DefaultLimits'.
	Limits Limits
	// BcryptCost hashes new passwords; 0 means bcrypt.DefaultCost (tests use
	// bcrypt.MinCost).
	BcryptCost int
	// SecureCookies marks the session cookie Secure even on plain HTTP requests (behind
	// a proxy that terminates TLS); requests over TLS always get Secure.
	SecureCookies bool
	// LoginPath is where browsers without a session are sent; default "/login".
	LoginPath string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service checks passwords, sessions and tokens and manages users.
type Service struct {
	store  *store.Store
	log    *slog.Logger
	ttl    time.Duration
	cost   int
	secure bool
	login  string
	now    func() time.Time
	limit  *limiter

	dummyOnce sync.Once
	dummy     []byte // a hash to compare against for unknown users: same time as a real one
}

// extendEvery: a session's expiry moves forward at most this often, not on every
// request, so reading the dashboard does not mean writing to the database.
const extendEvery = time.Minute

// New returns a Service configured by opts.
func New(opts Options) (*Service, error) {
	if opts.Store == nil {
		return nil, errors.New("auth: Options.Store is required")
	}
	s := &Service{store: opts.Store, log: opts.Logger, ttl: opts.SessionTTL, cost: opts.BcryptCost,
		secure: opts.SecureCookies, login: opts.LoginPath, now: opts.Now, limit: newLimiter(opts.Limits)}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.ttl <= 0 {
		s.ttl = DefaultSessionTTL
	}
	if s.ttl < 2*extendEvery {
		return nil, fmt.Errorf("auth: session lifetime %v: want at least %v", s.ttl, 2*extendEvery)
	}
	if s.cost == 0 {
		s.cost = bcrypt.DefaultCost
	}
	if s.cost < bcrypt.MinCost || s.cost > bcrypt.MaxCost {
		return nil, fmt.Errorf("auth: bcrypt cost %d: want %d to %d", s.cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	if s.login == "" {
		s.login = "/login"
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Session is a new sign-in: Token goes in the cookie and nowhere else.
type Session struct {
	Token   string
	User    User
	CSRF    string
	Expires time.Time
}

// Login checks name and password, from the client address ip, and starts a session.
// It returns ErrBadCredentials, ErrDisabled, or a *LockedError after too many
// failures for the name or the address.
func (s *Service) Login(ctx context.Context, name, password, ip string) (Session, error) {
	name = normalizeName(name)
	u, err := s.checkPassword(ctx, name, password, ip)
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	if _, err := s.store.DeleteExpiredSessions(ctx, now); err != nil {
		s.log.Warn("auth: removing expired sessions", "err", err)
	}
	token, csrf := randomToken(""), randomToken("")
	sess := store.Session{TokenHash: hashToken(token), UserID: u.ID, CSRF: csrf, Created: now, Expires: now.Add(s.ttl)}
	if err := s.store.CreateSession(ctx, &sess); err != nil {
		return Session{}, err
	}
	s.log.Info("auth: signed in", "user", name, "ip", ip)
	return Session{Token: token, CSRF: csrf, Expires: sess.Expires, User: u}, nil
}

// VerifyPassword checks a user's password again, for a signature on a decision. It
// counts against the same per-user limit as signing in, and returns nil,
// ErrBadCredentials, ErrDisabled or a *LockedError.
func (s *Service) VerifyPassword(ctx context.Context, username, password string) error {
	_, err := s.checkPassword(ctx, normalizeName(username), password, "")
	return err
}

// checkPassword is Login's and VerifyPassword's check, rate limited per user name
// and (when ip is not "") per address.
func (s *Service) checkPassword(ctx context.Context, name, password, ip string) (User, error) {
	if wait := s.limit.wait(s.now(), name, ip); wait > 0 {
		s.log.Warn("auth: sign-in refused: too many failures", "user", name, "ip", ip, "retry_after", wait.Round(time.Second))
		return User{}, &LockedError{RetryAfter: wait}
	}
	su, err := s.store.UserByName(ctx, name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return User{}, err
	}
	hash := []byte(su.PasswordHash)
	if err != nil {
		hash = s.dummyHash() // spend the same time, so timing does not tell which names exist
	}
	match := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
	if err != nil || !match {
		s.limit.failed(s.now(), name, ip)
		reason := "wrong password"
		if err != nil {
			reason = "no such user"
		}
		s.log.Warn("auth: sign-in failed", "user", name, "ip", ip, "reason", reason)
		return User{}, ErrBadCredentials
	}
	s.limit.succeeded(name)
	if su.Disabled {
		s.log.Warn("auth: sign-in refused: user disabled", "user", name, "ip", ip)
		return User{}, ErrDisabled
	}
	role, err := ParseRole(su.Role)
	if err != nil {
		return User{}, fmt.Errorf("auth: user %q: %w", name, err)
	}
	return User{ID: su.ID, Name: su.Name, Role: role, Via: ViaSession, Scope: ScopeFull}, nil
}

func (s *Service) dummyHash() []byte {
	s.dummyOnce.Do(func() {
		s.dummy, _ = bcrypt.GenerateFromPassword([]byte(randomToken("")[:40]), s.cost)
	})
	return s.dummy
}

// Logout ends the session of token (the cookie's value).
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.store.DeleteSession(ctx, hashToken(token))
}

// sessionUser returns the user and session of a session token, moving its expiry
// forward; ErrUnauthenticated when the session does not exist, has expired, or its
// user is disabled.
func (s *Service) sessionUser(ctx context.Context, token string) (User, store.Session, error) {
	if token == "" || len(token) > 100 {
		return User{}, store.Session{}, ErrUnauthenticated
	}
	h := hashToken(token)
	sess, su, err := s.store.SessionByHash(ctx, h)
	if errors.Is(err, store.ErrNotFound) {
		return User{}, store.Session{}, ErrUnauthenticated
	}
	if err != nil {
		return User{}, store.Session{}, err
	}
	now := s.now()
	if !now.Before(sess.Expires) {
		if err := s.store.DeleteSession(ctx, h); err != nil {
			s.log.Warn("auth: removing an expired session", "err", err)
		}
		return User{}, store.Session{}, ErrUnauthenticated
	}
	role, err := ParseRole(su.Role)
	if su.Disabled || err != nil {
		return User{}, store.Session{}, ErrUnauthenticated
	}
	if next := now.Add(s.ttl); next.Sub(sess.Expires) >= extendEvery {
		if err := s.store.ExtendSession(ctx, h, next); errors.Is(err, store.ErrNotFound) {
			return User{}, store.Session{}, ErrUnauthenticated // signed out meanwhile
		} else if err != nil {
			return User{}, store.Session{}, err
		}
		sess.Expires = next
	}
	return User{ID: su.ID, Name: su.Name, Role: role, Via: ViaSession, Scope: ScopeFull}, sess, nil
}

// tokenUser returns the user an API token acts for; ErrUnauthenticated when the
// token is unknown or revoked, or its user disabled.
func (s *Service) tokenUser(ctx context.Context, token string) (User, error) {
	if len(token) != tokenLen || !strings.HasPrefix(token, tokenPrefix) {
		return User{}, ErrUnauthenticated
	}
	t, su, err := s.store.TokenByHash(ctx, hashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return User{}, ErrUnauthenticated
	}
	if err != nil {
		return User{}, err
	}
	role, rerr := ParseRole(su.Role)
	scope, serr := ParseScope(t.Scope)
	if t.Revoked != nil || su.Disabled || rerr != nil || serr != nil {
		return User{}, ErrUnauthenticated
	}
	now := s.now()
	if t.LastUsed == nil || now.Sub(*t.LastUsed) >= extendEvery {
		if err := s.store.TouchToken(ctx, t.ID, now); err != nil {
			s.log.Warn("auth: recording a token's use", "token", t.ID, "err", err)
		}
	}
	return User{ID: su.ID, Name: su.Name, Role: role, Via: ViaToken, Scope: scope, TokenID: t.ID}, nil
}
