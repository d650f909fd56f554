package outbox

import "time"

// Group commit: concurrent Appends share a commit (one fsync) when they are queued
// while the previous commit runs. But a producer whose request the last commit
// answered needs some microseconds to send its next one, and sensors ticking together
// send theirs a few microseconds apart; a writer that only takes what is already
// queued commits without them: with 4 producers a commit carried about 2 requests.
// So the writer remembers how many Appends ran concurrently lately (a commit's
// requests plus those queued when it ended), and while the gathered batch has fewer
// and is under lingerBytes, it lingers for more: until it has as many, or none came
// for lingerGap, or Options.CommitLinger has passed since it took the first request.
// That bounds the latency lingering adds to an Append by CommitLinger; a lone
// producer never waits (its commits carry one request and nothing is queued).

const (
	// DefaultCommitLinger is Options.CommitLinger when 0; measured on the 2-core
	// machine (README): 4 producers' Appends then share one commit.
	DefaultCommitLinger = time.Millisecond
	lingerGap           = 250 * time.Microsecond // no request for this long: commit
	lingerBytes         = 16 << 10               // a batch this large is committed at once
	lingerHistory       = 16                     // commits that set the expectation
)

// lingerer is the writer's memory of recent concurrency; writer goroutine only.
type lingerer struct {
	max    time.Duration
	timer  *time.Timer
	recent [lingerHistory]int // concurrent Appends seen at the last commits
	i      int
}

func newLingerer(d time.Duration) *lingerer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &lingerer{max: d, timer: t}
}

// expected is the most Appends recently seen running concurrently.
func (l *lingerer) expected() int {
	n := 0
	for _, v := range l.recent {
		n = max(n, v)
	}
	return n
}

// note records the concurrent Appends seen at a commit.
func (l *lingerer) note(n int) {
	l.recent[l.i] = n
	l.i = (l.i + 1) % lingerHistory
}

// linger adds requests to a small batch while fewer have come than recently ran
// concurrently; see above. It stops early when o.stop closes.
func (o *Outbox) linger(l *lingerer, batch []*request) []*request {
	want := l.expected()
	if l.max <= 0 || len(batch) == 0 || len(batch) >= want {
		return batch
	}
	var size int64
	for _, r := range batch {
		size += r.size
	}
	deadline := time.Now().Add(l.max)
	defer l.timer.Stop()
	for len(batch) < want && size < lingerBytes {
		wait := min(lingerGap, time.Until(deadline))
		if wait <= 0 {
			break
		}
		l.timer.Reset(wait)
		select {
		case r := <-o.reqs:
			batch = append(batch, r)
			size += r.size
		case <-l.timer.C:
			return batch
		case <-o.stop:
			return batch
		}
	}
	return batch
}
