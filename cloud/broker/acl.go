package broker

import (
	_ "embed"
	"fmt"
	"strings"
)

// DefaultACL is the ACL the embedded broker applies to TLS clients: the same text as
// deploy/mosquitto/acl, which Mosquitto applies (a test there keeps the two equal).
//
//go:embed acl
var DefaultACL string

// ACL holds the rules of a Mosquitto acl_file and applies them as Mosquitto 2.0 does:
// "user NAME" starts the rules of one user (rules before any user line are for clients
// without a user name), "topic [read|write|readwrite|deny] FILTER" is one rule, and
// "pattern [access] FILTER" applies to every user with %u replaced by the user name
// and %c by the client id (never for a name holding + or #). A deny that matches wins;
// otherwise a matching rule with the access asked for allows; nothing else is allowed.
type ACL struct {
	users    map[string][]aclRule // "" for clients without a user name
	patterns []aclRule
}

type access uint8

const (
	accessRead access = 1 << iota
	accessWrite
	accessDeny
)

type aclRule struct {
	access access
	filter string
}

// ParseACL parses the text of a Mosquitto acl_file.
func ParseACL(text string) (*ACL, error) {
	a := &ACL{users: map[string][]aclRule{}}
	user := ""
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		switch word {
		case "user":
			if rest == "" {
				return nil, fmt.Errorf("broker: acl line %d: user without a name", n+1)
			}
			user = rest
		case "topic", "pattern":
			r, err := parseRule(rest)
			if err != nil {
				return nil, fmt.Errorf("broker: acl line %d: %w", n+1, err)
			}
			if word == "pattern" {
				a.patterns = append(a.patterns, r)
			} else {
				a.users[user] = append(a.users[user], r)
			}
		default:
			return nil, fmt.Errorf("broker: acl line %d: want user, topic or pattern, got %q", n+1, word)
		}
	}
	return a, nil
}

func parseRule(s string) (aclRule, error) {
	r := aclRule{access: accessRead | accessWrite, filter: s}
	if word, rest, ok := strings.Cut(s, " "); ok {
		switch word {
		case "read":
			r.access = accessRead
		case "write":
			r.access = accessWrite
		case "readwrite":
		case "deny":
			r.access = accessDeny
		default:
			return r, fmt.Errorf("want read, write, readwrite or deny, got %q", word)
		}
		r.filter = strings.TrimSpace(rest)
	}
	if r.filter == "" {
		return r, fmt.Errorf("a rule without a topic")
	}
	return r, nil
}

// Allowed reports whether user (with client id clientID) may publish to topic (write),
// or receive messages on it (read). For a read, topic may be a subscription filter: it
// is allowed when a rule could let through some message it matches (each message is
// checked again on delivery), and denied when a deny rule covers all of it.
func (a *ACL) Allowed(user, clientID, topic string, write bool) bool {
	want := accessRead
	if write {
		want = accessWrite
	}
	rules := a.users[user]
	if !strings.ContainsAny(user, "+#") && !strings.ContainsAny(clientID, "+#") {
		for _, p := range a.patterns {
			if user == "" && strings.Contains(p.filter, "%u") {
				continue
			}
			f := strings.ReplaceAll(strings.ReplaceAll(p.filter, "%u", user), "%c", clientID)
			rules = append(rules, aclRule{access: p.access, filter: f})
		}
	}
	for _, r := range rules {
		if r.access == accessDeny && covers(r.filter, topic) {
			return false
		}
	}
	if write && strings.ContainsAny(topic, "+#") {
		return false // one publishes to a topic name, never to a filter
	}
	for _, r := range rules {
		if r.access&want != 0 && overlaps(r.filter, topic) {
			return true
		}
	}
	return false
}

// covers reports whether every topic filter f2 matches is matched by f1.
func covers(f1, f2 string) bool {
	a, b := strings.Split(f1, "/"), strings.Split(f2, "/")
	for i, x := range a {
		if x == "#" {
			return !(i == 0 && len(b) > 0 && strings.HasPrefix(b[0], "$"))
		}
		if i >= len(b) {
			return false
		}
		y := b[i]
		switch {
		case x == "+" && y != "#":
			if i == 0 && strings.HasPrefix(y, "$") {
				return false
			}
		case x != y:
			return false
		}
	}
	return len(a) == len(b)
}

// overlaps reports whether some topic matches both filters (or, for a topic name, the
// filter matches it).
func overlaps(f1, f2 string) bool {
	a, b := strings.Split(f1, "/"), strings.Split(f2, "/")
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		if x == "#" || y == "#" {
			return !(i == 0 && (strings.HasPrefix(x, "$") || strings.HasPrefix(y, "$")))
		}
		if x == "+" || y == "+" {
			if i == 0 && (strings.HasPrefix(x, "$") || strings.HasPrefix(y, "$")) {
				return false
			}
			continue
		}
		if x != y {
			return false
		}
	}
	if len(a) == len(b) {
		return true
	}
	// One is longer: only a trailing # on the shorter one's next level matches
	// ("a/#" matches "a"); that case is when the longer has exactly one more level, "#".
	if len(a) == len(b)+1 {
		return a[len(b)] == "#"
	}
	if len(b) == len(a)+1 {
		return b[len(a)] == "#"
	}
	return false
}
