package localapi

import (
	"sync"
	"time"

	"github.com/lotsense/lotsense/gateway/outbox"
)

// Sampling of the outbox streams for the oldest undelivered age.
const (
	sampleEvery = 200 * time.Millisecond
	maxMarks    = 2048 // per stream; past it, marks are thinned and spaced twice as far
)

// mark says: every record of the stream up to last was appended by at.
type mark struct {
	last uint64
	at   time.Time
}

// marks is one stream's samples, oldest first, at least res apart.
type marks struct {
	m   []mark
	res time.Duration
}

// ageTracker estimates when the oldest pending record of each stream was appended. It
// is a lower bound on the record's age, short by at most the spacing of the marks
// (sampleEvery, growing slowly through a long outage so memory stays bounded).
type ageTracker struct {
	ob      Outbox
	streams []outbox.Stream

	mu sync.Mutex
	by map[outbox.Stream]*marks
}

func newAgeTracker(ob Outbox, streams []outbox.Stream, now time.Time) *ageTracker {
	a := &ageTracker{ob: ob, streams: streams, by: make(map[outbox.Stream]*marks)}
	for _, s := range streams {
		a.by[s] = &marks{res: sampleEvery}
	}
	a.sample(now) // what is pending at start counts from now: an underestimate
	return a
}

// sample notes how far each stream has been appended at now and forgets delivered marks.
func (a *ageTracker) sample(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range a.streams {
		last, acked := a.ob.NextSeq(s)-1, a.ob.Acked(s)
		ms := a.by[s]
		i := 0
		for i < len(ms.m) && ms.m[i].last <= acked {
			i++
		}
		if i > 0 {
			ms.m = append(ms.m[:0], ms.m[i:]...)
		}
		if len(ms.m) == 0 {
			ms.res = sampleEvery
		}
		if last <= acked {
			continue
		}
		n := len(ms.m)
		if n > 0 && (ms.m[n-1].last >= last || now.Sub(ms.m[n-1].at) < ms.res) {
			continue
		}
		ms.m = append(ms.m, mark{last: last, at: now})
		if len(ms.m) > maxMarks {
			ms.thin()
		}
	}
}

// thin keeps every other mark, the oldest first, and doubles the spacing of new ones.
// Any subset of marks stays true; fewer only makes the estimate coarser.
func (ms *marks) thin() {
	j := 0
	for i := 0; i < len(ms.m); i += 2 {
		ms.m[j] = ms.m[i]
		j++
	}
	ms.m = ms.m[:j]
	ms.res *= 2
}

// oldest returns how long the oldest pending record of s has waited, 0 when none is
// pending.
func (a *ageTracker) oldest(s outbox.Stream, now time.Time) time.Duration {
	acked := a.ob.Acked(s)
	if a.ob.NextSeq(s)-1 <= acked {
		return 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	ms := a.by[s]
	if ms == nil {
		return 0
	}
	for _, m := range ms.m {
		if m.last > acked {
			return max(now.Sub(m.at), 0)
		}
	}
	return 0 // appended since the last sample
}
