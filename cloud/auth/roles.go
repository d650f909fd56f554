package auth

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Role is what a user may do; each role may do what the roles below it may.
type Role string

// The roles, lowest first.
const (
	Viewer   Role = "viewer"
	Operator Role = "operator"
	QA       Role = "qa"
	Admin    Role = "admin"
)

// Roles lists the roles, lowest first.
func Roles() []Role { return []Role{Viewer, Operator, QA, Admin} }

func (r Role) rank() int {
	for i, x := range Roles() {
		if r == x {
			return i + 1
		}
	}
	return 0
}

// AtLeast reports whether r is min or a higher role; an unknown role is none.
func (r Role) AtLeast(min Role) bool { return r.rank() > 0 && r.rank() >= min.rank() }

// ParseRole returns the role called s.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if r.rank() == 0 {
		return "", inputf("unknown role %q: want viewer, operator, qa or admin", s)
	}
	return r, nil
}

// InputError refuses what was asked: an unknown role or scope, a bad name.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return "auth: " + e.Msg }

func inputf(format string, args ...any) error { return &InputError{Msg: fmt.Sprintf(format, args...)} }

// Scope limits what an API token may do.
type Scope string

// Token scopes.
const (
	ScopeRead    Scope = "read"    // GET and HEAD only
	ScopeFull    Scope = "full"    // whatever the token's user may do
	ScopeCapture Scope = "capture" // only the routes that take tracking events (a partner's EPCIS feed)
)

// ParseScope returns the scope called s.
func ParseScope(s string) (Scope, error) {
	switch sc := Scope(strings.ToLower(strings.TrimSpace(s))); sc {
	case ScopeRead, ScopeFull, ScopeCapture:
		return sc, nil
	}
	return "", inputf("unknown token scope %q: want read, full or capture", s)
}

// How a request was authenticated.
const (
	ViaSession = "session"
	ViaToken   = "token"
)

// User is the person (or integration, through a token) a request acts for.
type User struct {
	ID    int64  `json:"-"`
	Name  string `json:"username"`
	Role  Role   `json:"role"`
	Via   string `json:"via"`   // ViaSession or ViaToken
	Scope Scope  `json:"scope"` // ScopeFull for sessions
	// TokenID is the API token's id when Via is ViaToken.
	TokenID int64 `json:"token_id,omitempty"`
}

// Actor is how the user is named in the audit log: the user name, with the token
// when one was used.
func (u User) Actor() string {
	if u.Via == ViaToken {
		return fmt.Sprintf("%s (token %d)", u.Name, u.TokenID)
	}
	return u.Name
}

// userNameRE is what a user name may look like: lower case, so names cannot differ
// only by case.
var userNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{0,63}$`)

// CheckUserName reports whether name can be a user's name.
func CheckUserName(name string) error {
	if !userNameRE.MatchString(name) {
		return inputf("user name %q: want 1 to 64 lower-case letters, digits, '.', '_', '@' or '-', starting with a letter or digit", name)
	}
	return nil
}

// normalizeName is how a typed user name is looked up.
func normalizeName(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// Defaults.
const (
	DefaultSessionTTL = 12 * time.Hour
	// CookieName is the session cookie.
	CookieName = "lotsense_session"
	// CSRFHeader carries the session's CSRF token on state-changing requests.
	CSRFHeader = "X-CSRF-Token"
)
