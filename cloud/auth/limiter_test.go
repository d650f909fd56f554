package auth

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestLimiterBackoff(t *testing.T) {
	l := newLimiter(Limits{})
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	want := []time.Duration{0, 0, 0, 0, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 15 * time.Minute, 15 * time.Minute}
	for i, w := range want {
		l.failed(now, "ann", "")
		if got := l.wait(now, "ann", ""); got != w {
			t.Errorf("after %d failures: wait %v, want %v", i+1, got, w)
		}
	}
	if got := l.wait(now, "bob", ""); got != 0 {
		t.Errorf("another user waits %v", got)
	}
	// Long after the last failure, counting starts again.
	later := now.Add(time.Hour)
	l.failed(later, "ann", "")
	if got := l.wait(later, "ann", ""); got != 0 {
		t.Errorf("a failure an hour later: wait %v, want 0", got)
	}
}

func TestLimiterBounded(t *testing.T) {
	l := newLimiter(Limits{Failures: 2, Tracked: 100})
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	l.failed(now, "ann", "")
	l.failed(now, "ann", "") // locked
	for i := range 1000 {
		l.failed(now.Add(time.Duration(i+1)*time.Millisecond), fmt.Sprintf("user%d", i), fmt.Sprintf("10.0.%d.%d", i/256, i%256))
		if len(l.users.m) > 100 || len(l.ips.m) > 100 {
			t.Fatalf("tables grew to %d users, %d addresses; want at most 100", len(l.users.m), len(l.ips.m))
		}
	}
	// The oldest entry went first.
	if _, ok := l.users.m["ann"]; ok {
		t.Error("ann's entry, the oldest, is still kept")
	}
	if _, ok := l.users.m["user999"]; !ok {
		t.Error("the newest entry was dropped")
	}
}

func TestIPKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":               "192.0.2.7",
		"::ffff:192.0.2.7":        "192.0.2.7",
		"2001:db8:1:2:3:4:5:6":    "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1":    "2001:db8:1:2::/64",
		"not-an-address":          "not-an-address",
		"fe80::1%eth0":            "fe80::/64",
		"2001:db8:1:3:3:4:5:6":    "2001:db8:1:3::/64",
		"2001:0db8:0001:0002::99": "2001:db8:1:2::/64",
	} {
		if got := ipKey(in); got != want {
			t.Errorf("ipKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	for _, tc := range []struct{ user, pw, want string }{
		{"ann", "correct horse battery", ""},
		{"ann", "Tr0ub4dor&3x", ""},
		{"ann", "short", "too short"},
		{"ann", "nine char", "too short"},
		{"ann", "ééééééééé", "too short"}, // 9 characters, 18 bytes
		{"ann", strings.Repeat("ab", 37), "too long"},
		{"ann", "aaaaaaaaaaaa", "different characters"},
		{"ann", "abababababab", "different characters"},
		{"annabelle", "my name is annabelle", "user name"},
		{"ann", "Password123", "common"},
		{"ann", "1234567890", "common"},
		{"ann", "tab\there is bad", "control"},
		{"ann", "bad\xffutf8xxxx", "UTF-8"},
	} {
		err := CheckPassword(tc.user, tc.pw)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckPassword(%q): %v", tc.pw, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !IsInput(err)):
			t.Errorf("CheckPassword(%q): %v, want an error about %q", tc.pw, err, tc.want)
		}
	}
	for name, ok := range map[string]bool{"ann": true, "a.b-c_d@x": true, "Ann": false, "": false, "-x": false, "a b": false, strings.Repeat("a", 65): false} {
		if err := CheckUserName(name); (err == nil) != ok {
			t.Errorf("CheckUserName(%q): %v", name, err)
		}
	}
}
