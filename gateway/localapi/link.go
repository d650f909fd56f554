package localapi

import (
	"sync"
	"time"

	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/publish"
)

// Link follows the broker connection and the latest publish latency. The gateway calls
// Up once a connection is ready and passes its publisher metrics through Metrics, which
// notes a lost connection and every PUBACK latency on the way.
type Link struct {
	now func() time.Time

	mu        sync.Mutex
	connected bool
	since     time.Time // of the last change
	lastAck   time.Duration
	lastAckAt time.Time
}

func newLink(now func() time.Time) *Link { return &Link{now: now, since: now()} }

// Up records that the publisher is connected.
func (l *Link) Up() { l.set(true) }

// Down records that the connection ended or was refused.
func (l *Link) Down() { l.set(false) }

func (l *Link) set(up bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.connected != up {
		l.connected, l.since = up, l.now()
	}
}

// Metrics returns m with Reconnects and AckSeconds wrapped so the Link sees them; the
// wrapped metrics still receive every measurement.
func (l *Link) Metrics(m publish.Metrics) publish.Metrics {
	m.Reconnects = lostCounter{l: l, c: m.Reconnects}
	m.AckSeconds = ackObserver{l: l, o: m.AckSeconds}
	return m
}

// state returns the link's view for /status.
func (l *Link) state() (connected bool, since time.Time, lastAck time.Duration, lastAckAt time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.connected, l.since, l.lastAck, l.lastAckAt
}

// lostCounter is the publisher's Reconnects counter: it counts a connection that ended
// or was refused.
type lostCounter struct {
	l *Link
	c outbox.Counter
}

func (c lostCounter) Add(v float64) {
	c.l.Down()
	if c.c != nil {
		c.c.Add(v)
	}
}

// ackObserver is the publisher's AckSeconds: publish to PUBACK.
type ackObserver struct {
	l *Link
	o outbox.Observer
}

func (a ackObserver) Observe(v float64) {
	a.l.mu.Lock()
	a.l.lastAck, a.l.lastAckAt = time.Duration(v*float64(time.Second)), a.l.now()
	a.l.mu.Unlock()
	if a.o != nil {
		a.o.Observe(v)
	}
}

// Connected reports whether the publisher is connected now.
func (l *Link) Connected() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.connected
}
