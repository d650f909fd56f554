package fleetsim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/wire"
)

// Progress is a snapshot of a running fleet.
type Progress struct {
	Elapsed   time.Duration // wall clock since the start
	Simulated time.Time     // the simulated clock
	Generated uint64        // readings put in the outboxes
	Acked     uint64        // readings the broker acknowledged
	Pending   uint64        // records (readings and events) awaiting a PUBACK
}

// Result is what a run did and what the cloud must now contain.
type Result struct {
	Expect     *Expectation
	Generated  uint64        // readings generated
	Acked      uint64        // readings acknowledged by the broker
	Reconnects uint64        // connections lost or refused, all gateways
	Wall       time.Duration // from the start until the last PUBACK (or the drain timeout)
	// Holds is the newest hold list the gateways of each site received from the cloud.
	Holds map[string]*wire.Holds
}

// ReadingsPerSecond is the acknowledged readings per wall-clock second.
func (r *Result) ReadingsPerSecond() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return float64(r.Acked) / r.Wall.Seconds()
}

// ErrIncomplete is returned (with the Result) when some readings generated were not
// acknowledged by the broker before the drain timeout.
var ErrIncomplete = errors.New("fleetsim: not every reading was acknowledged")

// Run runs the fleet until every reading of the plan is generated and acknowledged, or
// ctx ends (generation stops; what was generated is still sent, up to DrainTimeout).
// The Result's expectation covers exactly what the broker acknowledged.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if err := opts.Init(); err != nil {
		return nil, err
	}
	launch := time.Now()
	plan, err := NewPlan(opts, launch)
	if err != nil {
		return nil, err
	}
	tlsFor, err := tlsConfigs(&opts)
	if err != nil {
		return nil, err
	}
	holds := &holdsSeen{sites: map[string]*wire.Holds{}}
	sims := make([]*simGateway, len(plan.Gateways))
	pubCtx, stopPub := context.WithCancel(context.Background())
	defer stopPub()
	var pubs sync.WaitGroup
	for i, g := range plan.Gateways {
		s := newSimGateway(plan, g, holds)
		if err := s.start(opts.Events); err != nil {
			return nil, err
		}
		tc, err := tlsFor(g.Site, g.ID)
		if err != nil {
			return nil, err
		}
		pub, err := s.publisher(&opts, tc)
		if err != nil {
			return nil, err
		}
		sims[i] = s
		pubs.Go(func() { pub.Run(pubCtx) })
	}
	r := &Result{}
	clock := func() time.Time {
		return plan.Start.Add(time.Duration(float64(time.Since(launch)) * opts.Speed))
	}
	stopReport := make(chan struct{})
	reported := make(chan struct{})
	go func() { report(stopReport, sims, launch, clock, &opts); close(reported) }()
	generate(ctx, sims, clock, &opts)
	drained := drain(sims, &opts)
	r.Wall = time.Since(launch)
	close(stopReport)
	<-reported
	stopPub()
	pubs.Wait()
	for _, s := range sims {
		r.Generated += s.ob.Next(outbox.Readings) - 1
		r.Acked += s.ob.Acked(outbox.Readings)
		r.Reconnects += s.reconnects.Load()
	}
	holds.mu.Lock()
	r.Holds = holds.sites
	holds.mu.Unlock()
	r.Expect = expectation(plan, sims)
	if !drained {
		return r, fmt.Errorf("%w: %d of %d readings acknowledged within %v of the end", ErrIncomplete, r.Acked, r.Generated, opts.DrainTimeout)
	}
	return r, nil
}

// generate runs every gateway's generator on the simulated clock until each has taken
// its readings or ctx ends.
func generate(ctx context.Context, sims []*simGateway, clock func() time.Time, o *Options) {
	var wg sync.WaitGroup
	for _, s := range sims {
		wg.Go(func() {
			t := time.NewTicker(o.Tick)
			defer t.Stop()
			for !s.generate(clock()) {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		})
	}
	wg.Wait()
}

// drain waits until every record generated is acknowledged, up to DrainTimeout.
func drain(sims []*simGateway, o *Options) bool {
	deadline := time.Now().Add(o.DrainTimeout)
	for {
		var pending uint64
		for _, s := range sims {
			pending += s.ob.Pending()
		}
		if pending == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// report calls o.Progress every ProgressEvery until done is closed.
func report(done <-chan struct{}, sims []*simGateway, launch time.Time, clock func() time.Time, o *Options) {
	t := time.NewTicker(o.ProgressEvery)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if o.Progress != nil {
				o.Progress(progress(sims, launch, clock()))
			}
		}
	}
}

func progress(sims []*simGateway, launch, simNow time.Time) Progress {
	p := Progress{Elapsed: time.Since(launch), Simulated: simNow}
	for _, s := range sims {
		p.Generated += s.ob.Next(outbox.Readings) - 1
		p.Acked += s.ob.Acked(outbox.Readings)
		p.Pending += s.ob.Pending()
	}
	return p
}
