package outbox

import (
	"fmt"
	"sort"

	"github.com/dgraph-io/badger/v4"
)

// The disk budget. Readings are routine: they may use Budget.ReadingsShare of
// MaxBytes. Events and alarms are exempt from any policy: they may use all of
// MaxBytes, so the rest is headroom kept for them; if even that is used up their
// Append fails with ErrFull, which is counted (Metrics.Full) and logged as an error,
// never silent.
//
// When readings reach their share, Budget.Policy decides:
//
//   - Refuse: the Append of readings fails with ErrFull; the records are counted in
//     Metrics.Refused. Refused readings never got a sequence number, so they leave
//     no gap.
//   - Thin: a thinning pass rewrites the oldest readings segments not yet sent,
//     asking Budget.Thinner which records stay, until readings use less than
//     Budget.LowWater of their share. A removed record becomes an empty record (a
//     one-byte tombstone) in its segment: the segment keeps its key and sequence
//     range, so acks, reopening and the sequence numbers of the kept records are
//     unchanged, and Read skips tombstones and never returns a run across one (a
//     batch on the wire is a contiguous run). The removed sequence numbers are
//     declared, not silent: the pass stores, in the same Badger transaction, an
//     alarm record (AlarmThinned, built by Budget.Alarm) on the Alarms stream listing
//     the ranges removed, so the cloud's report of missing sequence numbers matches
//     the alarms it got. Segments Read has returned (they may be in flight) are never
//     thinned. If thinning cannot free enough, readings are refused as above.
//
// While readings are refused an AlarmRefusing alarm is raised (once, and cleared
// once readings are accepted again). The AlarmThinned alarm is cleared once the ack
// cursor of readings passes the last thinned sequence number.
type Budget struct {
	Policy Policy
	// ReadingsShare is the fraction of MaxBytes readings may use; DefaultReadingsShare
	// when not in (0, 1].
	ReadingsShare float64
	// LowWater is the fraction of the readings' share a thinning pass brings them
	// under; DefaultLowWater when not in (0, 1).
	LowWater float64
	// Thinner decides what a thinning pass keeps; required by Thin.
	Thinner Thinner
	// Alarm encodes a budget alarm as a record of the Alarms stream; nil: no alarm
	// records (the counts and logs remain).
	Alarm func(BudgetAlarm) ([]byte, error)
}

// Policy is what happens to readings past their share of the budget.
type Policy uint8

// Policies.
const (
	Refuse Policy = iota
	Thin
)

// Defaults for Budget.
const (
	DefaultReadingsShare = 0.9
	DefaultLowWater      = 0.8
	// maxThinRanges bounds the ranges one pass removes, so one alarm stays small;
	// another pass follows when more room is needed.
	maxThinRanges = 1000
)

// Kinds of budget alarms.
const (
	AlarmThinned  = "outbox_thinned"
	AlarmRefusing = "outbox_refusing"
)

// Thinner decides which readings a thinning pass keeps. The outbox's writer calls it
// (from one goroutine) for each record of the segments it thins, in sequence order,
// oldest first; tombstones are not passed.
type Thinner interface {
	// Keep reports whether rec stays, and names its source (the sensor) for the alarm.
	Keep(rec []byte) (keep bool, source string)
}

// SeqRange is the sequence numbers First..Last, both included.
type SeqRange struct{ First, Last uint64 }

// BudgetAlarm is an alarm the budget raises or clears.
type BudgetAlarm struct {
	Kind    string // AlarmThinned or AlarmRefusing
	Cleared bool
	Thinned int        // AlarmThinned raised: readings removed by this pass
	Ranges  []SeqRange // AlarmThinned raised: their sequence numbers, ascending
	Sources []string   // AlarmThinned raised: their sensors, sorted
	Refused int        // AlarmRefusing cleared: readings refused while it was raised
}

func (b Budget) withDefaults() Budget {
	if !(b.ReadingsShare > 0 && b.ReadingsShare <= 1) {
		b.ReadingsShare = DefaultReadingsShare
	}
	if !(b.LowWater > 0 && b.LowWater < 1) {
		b.LowWater = DefaultLowWater
	}
	return b
}

// readingsLimit is the bytes readings may use; lowWater the bytes a pass thins to.
func (o *Outbox) readingsLimit() int64 {
	return int64(float64(o.opts.MaxBytes) * o.opts.Budget.ReadingsShare)
}

func (o *Outbox) lowWater() int64 {
	return int64(float64(o.readingsLimit()) * o.opts.Budget.LowWater)
}

// badgerOptionsFor is BadgerOptions with value-log files small enough, for a small
// budget, that value-log GC has whole files to reclaim.
func badgerOptionsFor(dir string, opts Options) badger.Options {
	bo := BadgerOptions(dir, opts.Logger)
	if v := 2 * opts.MaxBytes; v < bo.ValueLogFileSize {
		bo = bo.WithValueLogFileSize(max(v, 1<<20))
	}
	return bo
}

// admit checks the budget for r; o.mu held. A refused request is counted.
func (o *Outbox) admit(p *plan, r *request) error {
	if r.force {
		return nil
	}
	if r.stream == Readings {
		used, limit := o.stream(Readings).bytes+p.sbytes[Readings], o.readingsLimit()
		if used+r.size > limit {
			add(o.opts.Metrics.Full, 1)
			add(o.opts.Metrics.Refused, float64(len(r.recs)))
			p.refused += len(r.recs)
			return fmt.Errorf("%w: readings use %d bytes of their share of %d; %d readings refused by the budget policy", ErrFull, used, limit, len(r.recs))
		}
		p.readingsIn = true
	}
	if total := o.pendingBytes + p.bytes + r.size; total > o.opts.MaxBytes {
		add(o.opts.Metrics.Full, 1)
		if r.stream != Readings {
			add(o.opts.Metrics.ExemptRefused, float64(len(r.recs)))
			o.log.Error("outbox: no room left for exempt records; refused", "stream", r.stream, "records", len(r.recs), "pending_bytes", total-r.size, "max_bytes", o.opts.MaxBytes)
		}
		return fmt.Errorf("%w: %d bytes pending, %d more would pass the budget of %d", ErrFull, total-r.size, r.size, o.opts.MaxBytes)
	}
	return nil
}

// planBudget adds the rewrites of a thinning pass and the budget alarms to p, and
// returns batch with the alarm records in front; o.mu held.
func (o *Outbox) planBudget(p *plan, rws []*rewrite, batch []*request) []*request {
	st := o.stream(Readings)
	var alarms []BudgetAlarm
	if a, ok := o.planRewrites(p, st, rws); ok {
		alarms = append(alarms, a)
		p.thinnedTo = a.Ranges[len(a.Ranges)-1].Last
	} else if st.thinnedTo > 0 && st.acked >= st.thinnedTo {
		alarms = append(alarms, BudgetAlarm{Kind: AlarmThinned, Cleared: true})
		p.clearThinned = true
	}
	if st.refusing != st.wantRefusing {
		// The commit before started or stopped refusing readings: say so.
		alarms = append(alarms, BudgetAlarm{Kind: AlarmRefusing, Cleared: !st.wantRefusing, Refused: st.refusedCount})
	}
	p.alarms = alarms
	if o.opts.Budget.Alarm == nil || len(alarms) == 0 {
		return batch
	}
	pre := make([]*request, 0, len(alarms)+len(batch))
	for _, a := range alarms {
		rec, err := o.opts.Budget.Alarm(a)
		if err != nil || len(rec) == 0 {
			o.log.Error("outbox: budget alarm not encoded", "kind", a.Kind, "cleared", a.Cleared, "err", err)
			continue
		}
		pre = append(pre, &request{stream: Alarms, recs: [][]byte{rec}, size: recordSize(rec), force: true, done: make(chan struct{})})
	}
	return append(pre, batch...)
}

// planRewrites adds the rewrites still valid (not acked meanwhile) to p and returns
// the alarm declaring what they remove; o.mu held.
func (o *Outbox) planRewrites(p *plan, st *stream, rws []*rewrite) (BudgetAlarm, bool) {
	a := BudgetAlarm{Kind: AlarmThinned}
	sources := map[string]struct{}{}
	for _, rw := range rws {
		if rw.first <= st.acked {
			rw.skip = true
			continue
		}
		p.rewrites = append(p.rewrites, rw)
		p.bytes += rw.delta
		p.written += int64(len(rw.val))
		p.sbytes[Readings] += rw.delta
		a.Thinned += rw.removed
		for _, r := range rw.ranges {
			if n := len(a.Ranges); n > 0 && a.Ranges[n-1].Last+1 == r.First {
				a.Ranges[n-1].Last = r.Last
			} else {
				a.Ranges = append(a.Ranges, r)
			}
		}
		for _, s := range rw.sources {
			sources[s] = struct{}{}
		}
	}
	for s := range sources {
		a.Sources = append(a.Sources, s)
	}
	sort.Strings(a.Sources)
	return a, a.Thinned > 0
}

// applyBudget makes the budget part of a committed plan the state; o.mu held.
func (o *Outbox) applyBudget(p *plan) {
	st := o.stream(Readings)
	o.applyRewrites(st, p.rewrites)
	if p.thinnedTo > 0 {
		st.thinnedTo = p.thinnedTo
	} else if p.clearThinned {
		st.thinnedTo = 0
	}
	for _, a := range p.alarms {
		if a.Kind == AlarmRefusing {
			st.refusing = !a.Cleared
			if a.Cleared {
				st.refusedCount = 0
			}
		}
	}
	if p.refused > 0 {
		st.refusedCount += p.refused
	}
	if p.refused > 0 && !p.readingsIn {
		st.wantRefusing = true
	} else if p.readingsIn {
		st.wantRefusing = false
	}
}

// logBudget counts and logs the budget part of a committed plan.
func (o *Outbox) logBudget(p *plan) {
	m := o.opts.Metrics
	for _, a := range p.alarms {
		if !a.Cleared {
			add(m.BudgetAlarms, 1)
		}
		switch {
		case a.Kind == AlarmThinned && !a.Cleared:
			add(m.Thinned, float64(a.Thinned))
			add(m.ThinPasses, 1)
			o.log.Warn("outbox: readings over their share of the budget; oldest thinned", "thinned", a.Thinned,
				"ranges", len(a.Ranges), "first", a.Ranges[0].First, "last", a.Ranges[len(a.Ranges)-1].Last,
				"sensors", a.Sources, "readings_bytes", o.stream(Readings).bytes, "limit", o.readingsLimit())
		case a.Kind == AlarmThinned:
			o.log.Info("outbox: thinned readings delivered up to the last gap; alarm cleared")
		case !a.Cleared:
			o.log.Warn("outbox: readings refused by the budget policy", "limit", o.readingsLimit(), "policy", o.opts.Budget.Policy)
		default:
			o.log.Info("outbox: readings accepted again", "refused", a.Refused)
		}
	}
}

// budgetKick reports whether the state wants a commit soon to raise or clear an
// alarm; o.mu held.
func (o *Outbox) budgetKick() bool {
	st := o.stream(Readings)
	return st.wantRefusing != st.refusing || (st.thinnedTo > 0 && st.acked >= st.thinnedTo)
}

func recordSize(rec []byte) int64 { return int64(len(rec) + uvarintLen(uint64(len(rec)))) }
