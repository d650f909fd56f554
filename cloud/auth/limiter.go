package auth

import (
	"net/netip"
	"sync"
	"time"
)

// Limits are the sign-in rate limits. After Failures failed sign-ins for one user
// name (IPFailures from one client address), further attempts are refused for Lock,
// doubling with each further failure up to MaxLock. Failures older than MaxLock are
// forgotten. Each table keeps at most Tracked entries, in memory only.
type Limits struct {
	Failures   int
	IPFailures int
	Lock       time.Duration
	MaxLock    time.Duration
	Tracked    int
}

// DefaultLimits: 5 failures per user name, 20 per address, then 1, 2, 4, 8, 15 min.
var DefaultLimits = Limits{Failures: 5, IPFailures: 20, Lock: time.Minute, MaxLock: 15 * time.Minute, Tracked: 10000}

// attempts is one user name's or address's recent failures.
type attempts struct {
	failures int
	last     time.Time // the latest failure
	until    time.Time // locked until
}

// table counts failures per key, bounded.
type table struct {
	threshold int
	m         map[string]*attempts
}

// limiter is the sign-in rate limiter: one table per user name, one per address.
type limiter struct {
	lim   Limits
	mu    sync.Mutex
	users table
	ips   table
}

func newLimiter(lim Limits) *limiter {
	d := DefaultLimits
	if lim.Failures <= 0 {
		lim.Failures = d.Failures
	}
	if lim.IPFailures <= 0 {
		lim.IPFailures = d.IPFailures
	}
	if lim.Lock <= 0 {
		lim.Lock = d.Lock
	}
	if lim.MaxLock < lim.Lock {
		lim.MaxLock = max(d.MaxLock, lim.Lock)
	}
	if lim.Tracked <= 0 {
		lim.Tracked = d.Tracked
	}
	return &limiter{lim: lim,
		users: table{threshold: lim.Failures, m: map[string]*attempts{}},
		ips:   table{threshold: lim.IPFailures, m: map[string]*attempts{}}}
}

// wait returns how long sign-ins for user from ip (either may be "") stay refused;
// 0 when they are allowed.
func (l *limiter) wait(now time.Time, user, ip string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var w time.Duration
	if a := l.users.m[user]; user != "" && a != nil {
		w = max(w, a.until.Sub(now))
	}
	if a := l.ips.m[ipKey(ip)]; ip != "" && a != nil {
		w = max(w, a.until.Sub(now))
	}
	return max(w, 0)
}

// failed counts a failed sign-in for user from ip (either may be "").
func (l *limiter) failed(now time.Time, user, ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if user != "" {
		l.fail(&l.users, user, now)
	}
	if ip != "" {
		l.fail(&l.ips, ipKey(ip), now)
	}
}

// succeeded forgets user's failures (not the address's: a guesser who also has an
// account must not reset the count by signing in).
func (l *limiter) succeeded(user string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.users.m, user)
}

func (l *limiter) fail(t *table, key string, now time.Time) {
	a := t.m[key]
	if a != nil && now.Sub(a.last) > l.lim.MaxLock && !now.Before(a.until) {
		a.failures = 0 // long enough ago: start again
	}
	if a == nil {
		l.makeRoom(t, now)
		a = &attempts{}
		t.m[key] = a
	}
	a.failures++
	a.last = now
	if over := a.failures - t.threshold; over >= 0 {
		lock := l.lim.MaxLock
		if over < 30 {
			lock = min(l.lim.Lock<<over, l.lim.MaxLock)
		}
		a.until = now.Add(lock)
	}
}

// makeRoom keeps t under Tracked entries: it drops the entries that no longer matter,
// and if that is not enough the one whose last failure is oldest.
func (l *limiter) makeRoom(t *table, now time.Time) {
	if len(t.m) < l.lim.Tracked {
		return
	}
	for k, a := range t.m {
		if now.Sub(a.last) > l.lim.MaxLock && !now.Before(a.until) {
			delete(t.m, k)
		}
	}
	for len(t.m) >= l.lim.Tracked {
		var oldest string
		var at time.Time
		for k, a := range t.m {
			if oldest == "" || a.last.Before(at) {
				oldest, at = k, a.last
			}
		}
		delete(t.m, oldest)
	}
}

// ipKey is what one client is: its IPv4 address, or the /64 of its IPv6 address (one
// host usually has a whole /64).
func ipKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
