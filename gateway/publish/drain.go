package publish

import (
	"context"
	"fmt"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/lotsense/lotsense/gateway/outbox"
)

// flight is one published message awaiting its PUBACK: records first..last.
type flight struct {
	first, last uint64
	sent        time.Time
	done        bool
}

// completion reports that a message's token completed.
type completion struct {
	s   outbox.Stream
	f   *flight
	err error
}

// drain is the state of one connection: what was sent, what awaits a PUBACK.
// Only run's goroutine touches it, except the token watchers, which only send on done.
type drain struct {
	p        *Publisher
	c        Client
	pos      map[outbox.Stream]uint64    // last sequence number published
	window   map[outbox.Stream][]*flight // unacked messages, in order
	inflight int
	done     chan completion
	stop     chan struct{}
	data     [][]byte // reused for the Encoder's argument
	pacers   map[outbox.Stream]*pacer
	paceWake *time.Timer // fires when a paced stream may send again
}

func newDrain(p *Publisher, c Client) *drain {
	d := &drain{
		p: p, c: c,
		pos:    make(map[outbox.Stream]uint64),
		window: make(map[outbox.Stream][]*flight),
		done:   make(chan completion, p.opts.MaxInflight),
		stop:   make(chan struct{}),
	}
	// Everything after the ack cursor is sent (again): the cloud dedupes.
	for _, s := range p.opts.Streams {
		d.pos[s] = p.src.Acked(s)
	}
	if p.opts.Pace > 0 {
		d.pacers = make(map[outbox.Stream]*pacer)
		for _, s := range p.opts.Paced {
			d.pacers[s] = newPacer(p.opts.Pace, p.opts.BatchSize, time.Now())
		}
		d.paceWake = time.NewTimer(time.Hour)
		d.paceWake.Stop()
	}
	return d
}

// run publishes until ctx is done or the connection fails.
func (d *drain) run(ctx context.Context, notify <-chan struct{}, lost <-chan error) error {
	poll := time.NewTicker(d.p.opts.Poll)
	defer poll.Stop()
	var paceC <-chan time.Time
	if d.paceWake != nil {
		defer d.paceWake.Stop()
		paceC = d.paceWake.C
	}
	for {
		if err := d.fill(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case err := <-lost:
			return err
		case c := <-d.done:
			if err := d.complete(c); err != nil {
				return err
			}
		case <-notify:
		case <-paceC:
		case <-poll.C:
			if err := d.checkStuck(); err != nil {
				return err
			}
		}
	}
}

// checkStuck fails the connection when a PUBACK is overdue by Timeout, so that a
// broker that lost a message cannot stop a stream for ever.
func (d *drain) checkStuck() error {
	for s, w := range d.window {
		for _, f := range w {
			if !f.done && time.Since(f.sent) > d.p.opts.Timeout {
				return fmt.Errorf("publish: stream %d: no PUBACK for records %d-%d after %v", s, f.first, f.last, d.p.opts.Timeout)
			}
		}
	}
	return nil
}

// fill publishes while slots are free, giving every free slot to the first stream
// in priority order that has records.
func (d *drain) fill() error {
	var empty [256]bool
	for d.inflight < d.p.opts.MaxInflight {
		sent := false
		for _, s := range d.p.opts.Streams {
			if empty[s] {
				continue
			}
			ok, err := d.publishNext(s)
			if err != nil {
				return err
			}
			if ok {
				sent = true
				break
			}
			empty[s] = true
		}
		if !sent {
			return nil
		}
	}
	return nil
}

// publishNext sends the next batch of s; false when there is none.
func (d *drain) publishNext(s outbox.Stream) (bool, error) {
	pc := d.pacers[s]
	if wait := pc.wait(time.Now()); wait > 0 {
		d.paceWake.Reset(wait)
		return false, nil
	}
	recs, err := d.p.src.Read(s, d.pos[s]+1, d.p.opts.BatchSize, d.p.opts.BatchBytes)
	if err != nil || len(recs) == 0 {
		return false, err
	}
	// A batch is a contiguous range of sequence numbers; the outbox returns one, but
	// records removed by thinning leave gaps, so never let one into a batch.
	for i := 1; i < len(recs); i++ {
		if recs[i].Seq != recs[0].Seq+uint64(i) {
			recs = recs[:i]
			break
		}
	}
	pc.take(len(recs))
	d.data = d.data[:0]
	for _, r := range recs {
		d.data = append(d.data, r.Data)
	}
	f := &flight{first: recs[0].Seq, last: recs[len(recs)-1].Seq, sent: time.Now()}
	d.pos[s] = f.last
	d.window[s] = append(d.window[s], f)
	topic, payload, err := d.p.enc(s, f.first, d.data)
	if err != nil {
		// A record that cannot be encoded would stop the stream for ever: it is
		// logged, counted and acked with its batch.
		d.p.log.Error("publish: encoder refused records; dropping them", "stream", s, "first", f.first, "last", f.last, "err", err)
		add(d.p.opts.Metrics.Dropped, float64(len(recs)))
		f.done = true
		d.ackPrefix(s)
		return true, nil
	}
	tok := d.c.Publish(topic, 1, false, payload)
	d.inflight++
	setGauge(d.p.opts.Metrics.Inflight, float64(d.inflight))
	go d.watch(s, f, tok)
	return true, nil
}

// watch waits for tok and reports it to run.
func (d *drain) watch(s outbox.Stream, f *flight, tok mqtt.Token) {
	select {
	case <-tok.Done():
	case <-d.stop:
		return
	}
	select {
	case d.done <- completion{s: s, f: f, err: tok.Error()}:
	case <-d.stop:
	}
}

// complete handles a finished publish: a failure ends the connection; a PUBACK may
// extend the contiguous acked prefix.
func (d *drain) complete(c completion) error {
	d.inflight--
	setGauge(d.p.opts.Metrics.Inflight, float64(d.inflight))
	if c.err != nil {
		return c.err
	}
	m := d.p.opts.Metrics
	add(m.Messages, 1)
	if m.AckSeconds != nil {
		m.AckSeconds.Observe(time.Since(c.f.sent).Seconds())
	}
	c.f.done = true
	d.ackPrefix(c.s)
	return nil
}

// ackPrefix acks the outbox up to the end of the run of confirmed messages at the
// front of s's window. PUBACKs may come out of order; only this prefix counts.
func (d *drain) ackPrefix(s outbox.Stream) {
	w := d.window[s]
	n := 0
	for n < len(w) && w[n].done {
		n++
	}
	if n == 0 {
		return
	}
	var records uint64 // not last-first+1: thinning may have left gaps between messages
	for _, f := range w[:n] {
		records += f.last - f.first + 1
	}
	last := w[n-1].last
	d.window[s] = w[n:]
	if err := d.p.src.Ack(s, last); err != nil {
		d.p.log.Error("publish: ack", "stream", s, "up_to", last, "err", err)
		return
	}
	add(d.p.opts.Metrics.Records, float64(records))
}

// finish ends the connection's work: on a clean stop it first waits up to Timeout for
// outstanding PUBACKs so they are acked rather than sent again next time.
func (d *drain) finish(clean bool) {
	if clean {
		timeout := time.After(d.p.opts.Timeout)
		for d.inflight > 0 {
			select {
			case c := <-d.done:
				if d.complete(c) != nil {
					clean = false
				}
			case <-timeout:
				clean = false
			}
			if !clean {
				break
			}
		}
	}
	close(d.stop)
	setGauge(d.p.opts.Metrics.Inflight, 0)
}

func setGauge(g outbox.Gauge, v float64) {
	if g != nil {
		g.Set(v)
	}
}
