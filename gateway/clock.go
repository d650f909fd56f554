package gateway

import (
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Clock is the gateway's time. At speed 1 it is the wall clock; a demo may run it
// faster (speed 60: an hour a minute) so a simulated cold room's day plays out quickly.
// Readings then carry the fast time and say their clock is not synchronised.
type Clock struct {
	realStart time.Time
	origin    time.Time
	speed     float64
}

// NewClock returns a clock that starts now and runs speed times as fast as real time.
func NewClock(speed float64) *Clock {
	if speed <= 0 {
		speed = 1
	}
	now := time.Now()
	return &Clock{realStart: now, origin: now, speed: speed}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	if c.speed == 1 {
		return time.Now()
	}
	return c.origin.Add(time.Duration(float64(time.Since(c.realStart)) * c.speed))
}

// Scaled converts a real duration to the clock time that passes meanwhile.
func (c *Clock) Scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * c.speed)
}

// Real converts a duration of clock time to the real time it takes.
func (c *Clock) Real(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.speed)
}

// syncState tells whether the system clock is NTP-synchronised. Pi boards have no RTC:
// until NTP has run, time may be off by years, and the cloud must know that.
type syncState struct {
	synced atomic.Bool
	fast   bool // a fast demo clock is never synchronised
}

// refresh asks the kernel (adjtimex, read-only) whether the clock is synchronised.
func (s *syncState) refresh() {
	if s.fast {
		s.synced.Store(false)
		return
	}
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	s.synced.Store(err == nil && state != unix.TIME_ERROR && tx.Status&unix.STA_UNSYNC == 0)
}
