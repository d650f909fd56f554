package outbox

import (
	"runtime"
	"testing"
	"time"
)

// lingerSetup is a writer's side of the queue with an expectation of want.
func lingerSetup(max time.Duration, want int) (*Outbox, *lingerer) {
	o := &Outbox{reqs: make(chan *request, 64), stop: make(chan struct{})}
	l := newLingerer(max)
	l.note(want)
	return o, l
}

// sendEvery queues a small request every d (spinning: timers here may be coarser
// than lingerGap) until stop is closed, at most n.
func sendEvery(o *Outbox, d time.Duration, n int, stop chan struct{}) {
	for range n {
		for last := time.Now(); time.Since(last) < d; {
			select {
			case <-stop:
				return
			default:
				runtime.Gosched()
			}
		}
		o.reqs <- &request{size: 10}
	}
}

func TestLingerTakesTheExpected(t *testing.T) {
	o, l := lingerSetup(time.Second, 4)
	for range 5 {
		o.reqs <- &request{size: 100}
	}
	if got := o.linger(l, []*request{{size: 100}}); len(got) != 4 || len(o.reqs) != 2 {
		t.Errorf("linger gathered %d requests and left %d, want 4 and 2", len(got), len(o.reqs))
	}
}

func TestLingerLoneProducerNeverWaits(t *testing.T) {
	o, l := lingerSetup(time.Second, 1)
	start := time.Now()
	o.linger(l, []*request{{size: 100}})
	if d := time.Since(start); d >= lingerGap {
		t.Errorf("a lone producer's commit waited %v", d)
	}
	o, l = lingerSetup(time.Second, 4)
	start = time.Now()
	o.linger(l, []*request{{size: lingerBytes}})
	if d := time.Since(start); d >= lingerGap {
		t.Errorf("a batch of lingerBytes waited %v", d)
	}
}

func TestLingerStopsAfterAGap(t *testing.T) {
	o, l := lingerSetup(time.Second, 4)
	start := time.Now()
	got := o.linger(l, []*request{{size: 100}})
	if d := time.Since(start); len(got) != 1 || d > 100*time.Millisecond {
		t.Errorf("with nothing coming, linger took %v and gathered %d", d, len(got))
	}
}

// TestLingerIsBounded: requests trickling in forever delay a commit by at most
// CommitLinger.
func TestLingerIsBounded(t *testing.T) {
	const max = 20 * time.Millisecond
	o, l := lingerSetup(max, 1000)
	stop := make(chan struct{})
	defer close(stop)
	go sendEvery(o, 50*time.Microsecond, 100000, stop)
	start := time.Now()
	o.linger(l, []*request{{size: 1}})
	if d := time.Since(start); d > max+50*time.Millisecond {
		t.Errorf("linger took %v with requests trickling in, want at most %v (a little more for the scheduler)", d, max)
	}
}
