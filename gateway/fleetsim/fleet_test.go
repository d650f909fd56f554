package fleetsim

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// A run against the real embedded broker: every reading and event of every gateway
// reaches the broker with contiguous sequence numbers, temperatures pass the limit
// exactly at the scripted places and times, and the expectation says so.
func TestRunDeliversThePlan(t *testing.T) {
	c := newCollector(8)
	b, _ := startBroker(t, "127.0.0.1:0", c)
	o := smallOptions(b.URL())
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	e := res.Expect
	// 4 h at one reading per 10 s: 1440 per sensor, 6 sensors, 6 gateways.
	if !e.Complete || e.Readings != 6*6*1440 || res.Acked != e.Readings || res.Generated != e.Readings || len(e.Sources) != 6 {
		t.Fatalf("expectation: complete %v, %d readings (acked %d, generated %d) of %d sources; want complete, %d of 6",
			e.Complete, e.Readings, res.Acked, res.Generated, len(e.Sources), 6*6*1440)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.errs) > 0 {
		t.Fatalf("the broker received payloads that do not decode: %v", c.errs)
	}
	for _, s := range e.Sources {
		checkSeqs(t, "readings of "+s.Gateway, c.readings[s.Gateway], s.Readings)
		checkSeqs(t, "events of "+s.Gateway, c.events[s.Gateway], 2) // one per location
		if st := c.statuses[s.Gateway]; len(st) < 2 || st[0] != "online" || st[len(st)-1] != "offline" {
			t.Errorf("%s statuses %v, want online first and offline last", s.Gateway, st)
		}
		if !strings.HasPrefix(s.Site, "sim-site-") || s.MinSeq != 1 || s.MaxSeq != s.Readings {
			t.Errorf("source %+v", s)
		}
	}
	var lots []string
	for l := range c.lots {
		lots = append(lots, l)
	}
	slices.Sort(lots)
	if !slices.Equal(lots, e.Lots) || len(lots) != 6*2*2 {
		t.Errorf("lots received %v, expected %v (24)", lots, e.Lots)
	}
	checkWarm(t, c, e, o)
}

// checkSeqs checks that seqs holds exactly 1..n, each at least once.
func checkSeqs(t *testing.T, what string, seqs map[uint64]int, n uint64) {
	t.Helper()
	if uint64(len(seqs)) != n {
		t.Errorf("%s: %d distinct sequence numbers, want %d", what, len(seqs), n)
		return
	}
	for s := uint64(1); s <= n; s++ {
		if seqs[s] == 0 {
			t.Errorf("%s: seq %d missing", what, s)
			return
		}
	}
}

// checkWarm checks that readings above the limit come from the excursion locations
// only, inside their windows, spanning more than the delay at each.
func checkWarm(t *testing.T, c *collector, e *Expectation, o Options) {
	t.Helper()
	if len(e.Excursions) != 3 || len(e.OnHold) != 6 {
		t.Fatalf("%d excursions, %d lots to hold; want 3 and 6", len(e.Excursions), len(e.OnHold))
	}
	byLoc := map[string]*Excursion{}
	for _, x := range e.Excursions {
		byLoc[x.Location] = x
		for _, l := range x.Lots {
			if _, ok := slices.BinarySearch(e.OnHold, l); !ok {
				t.Errorf("lot %s of the excursion at %s is not among the lots to hold", l, x.Location)
			}
		}
	}
	for loc, times := range c.warm {
		x := byLoc[loc]
		if x == nil {
			t.Errorf("%d readings above the limit at %s, which has no excursion", len(times), loc)
			continue
		}
		first, last := slices.MinFunc(times, time.Time.Compare), slices.MaxFunc(times, time.Time.Compare)
		if first.Before(x.From) || !last.Before(x.To) || last.Sub(first) < o.Delay {
			t.Errorf("%s: warm from %s to %s, scripted %s to %s (delay %v)", loc, first, last, x.From, x.To, o.Delay)
		}
	}
	if len(c.warm) != len(byLoc) {
		t.Errorf("warm readings at %d locations, want the %d of the excursions", len(c.warm), len(byLoc))
	}
}

// The broker goes away mid-run and comes back on the same address: the simulated
// gateways reconnect and send again what was not acknowledged; nothing is lost.
func TestResendAfterBrokerRestart(t *testing.T) {
	c := newCollector(8)
	b, stop := startBroker(t, "127.0.0.1:0", c)
	addr := b.Addr()
	o := smallOptions(b.URL())
	o.Excursions, o.Events = 0, false
	done := make(chan struct{})
	var res *Result
	var err error
	go func() { res, err = Run(context.Background(), o); close(done) }()
	time.Sleep(700 * time.Millisecond)
	stop()
	time.Sleep(300 * time.Millisecond)
	startBroker(t, addr, c)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if res.Reconnects == 0 {
		t.Fatal("no reconnect counted: the broker restart did not happen during the run")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range res.Expect.Sources {
		checkSeqs(t, "readings of "+s.Gateway, c.readings[s.Gateway], s.Readings)
	}
	if !res.Expect.Complete || res.Expect.Readings != 6*6*1440 {
		t.Errorf("complete %v, %d readings; want complete, %d", res.Expect.Complete, res.Expect.Readings, 6*6*1440)
	}
	t.Logf("%d reconnects; %d readings acknowledged", res.Reconnects, res.Acked)
}

// An interrupted run still sends what it generated, and its expectation says how far
// it got: incomplete, the acknowledged readings per gateway.
func TestInterruptedRun(t *testing.T) {
	c := newCollector(8)
	b, _ := startBroker(t, "127.0.0.1:0", c)
	o := smallOptions(b.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	res, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err) // everything generated is acknowledged: no error
	}
	e := res.Expect
	if e.Complete || e.Readings == 0 || e.Readings >= 6*6*1440 || e.Readings != res.Generated {
		t.Fatalf("complete %v, %d readings of %d generated; want incomplete, some but not all, all acknowledged", e.Complete, e.Readings, res.Generated)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range e.Sources {
		checkSeqs(t, "readings of "+s.Gateway, c.readings[s.Gateway], s.Readings)
	}
	t.Logf("stopped after %d readings; %d lots to hold, %d uncertain", e.Readings, len(e.OnHold), len(e.Uncertain))
}

// A broker that never answers: the run ends after the drain timeout with
// ErrIncomplete and an expectation of nothing.
func TestNoBroker(t *testing.T) {
	o := smallOptions("tcp://127.0.0.1:1") // nothing listens on port 1
	o.Duration, o.Excursions, o.DrainTimeout = time.Hour, 0, 300*time.Millisecond
	res, err := Run(context.Background(), o)
	if !errors.Is(err, ErrIncomplete) || res == nil {
		t.Fatalf("err %v; want ErrIncomplete with a result", err)
	}
	if res.Expect.Complete || res.Acked != 0 || len(res.Expect.Sources) != 0 || len(res.Expect.Lots) != 0 {
		t.Errorf("expectation %+v; want nothing", res.Expect)
	}
}
