package gateway

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/wire"
)

// The gateway's side of the outbox's disk budget (outbox.Budget): which readings
// thinning keeps, the alarm records it stores, and the counters.
//
// Thinning keeps, per sensor, quantity and quality class (good, or not good), the
// first reading of each thin_to window of wall-clock time (windows are aligned to
// the Unix epoch, so thinning a segment twice keeps the same readings). Bad and
// unavailable readings mark a gap the QA manager must see: the first of each window
// stays even when a good one was kept too. A record the gateway cannot decode stays.
//
// The removed sequence numbers are declared by an "outbox_thinned" alarm (warning)
// on the alarms stream, stored in the same commit as the thinning: its message ends
// with "seqs: " and the ranges ("12-40,42-77"), which are exactly the readings
// sequence numbers the cloud then reports missing. The alarm is cleared once the
// readings are delivered past the last gap. Refusals (policy refuse, or nothing
// left to thin) raise "outbox_refusing".

// thinner is an outbox.Thinner over reading records; only the outbox's writer
// goroutine calls it.
type thinner struct {
	every  int64 // window in microseconds
	last   map[thinKey]int64
	intern interner
	r      wire.Reading
}

type thinKey struct {
	sensor   string
	quantity wire.Quantity
	good     bool
}

func newThinner(every time.Duration) *thinner {
	return &thinner{every: max(every.Microseconds(), 1), last: map[thinKey]int64{}, intern: interner{}}
}

// Keep keeps the first reading of its (sensor, quantity, good or not) per window.
func (t *thinner) Keep(rec []byte) (bool, string) {
	if err := decodeReadingRecord(rec, &t.r, t.intern); err != nil {
		return true, ""
	}
	k := thinKey{t.r.Sensor, t.r.Quantity, t.r.Quality == wire.Good}
	us := t.r.Time.UnixMicro()
	w := us / t.every
	if us < 0 && us%t.every != 0 {
		w-- // floor, for clocks before 1970
	}
	if last, ok := t.last[k]; ok && last == w {
		return false, t.r.Sensor
	}
	if len(t.last) > 4096 {
		clear(t.last) // ids are few; a flood of distinct ones must not grow this forever
	}
	t.last[k] = w
	return true, t.r.Sensor
}

// budgetAlarm encodes an outbox budget alarm as an alarms-stream record (wire.Alarm
// in JSON, like every alarm record).
func (g *gw) budgetAlarm(a outbox.BudgetAlarm) ([]byte, error) {
	w := wire.Alarm{Time: g.clock.Now(), Synced: g.sync.synced.Load(), Kind: a.Kind, State: "raised", Severity: "warning"}
	if a.Cleared {
		w.State = "cleared"
	}
	switch {
	case a.Kind == outbox.AlarmThinned && !a.Cleared:
		if len(a.Sources) == 1 {
			w.Sensor = a.Sources[0]
		}
		w.Message = fmt.Sprintf("outbox budget: readings used their share of %d bytes while undelivered; %d readings of %s thinned to one per %v per sensor and quantity, oldest first; seqs: %s",
			g.cfg.Outbox.MaxBytes, a.Thinned, strings.Join(a.Sources, ", "), g.cfg.Outbox.ThinTo.Duration, formatRanges(a.Ranges))
		for _, r := range a.Ranges {
			w.Seqs = append(w.Seqs, wire.SeqRange{First: r.First, Last: r.Last})
		}
	case a.Kind == outbox.AlarmThinned:
		w.Message = "outbox budget: readings delivered past the last thinned sequence number"
	case !a.Cleared:
		w.Message = fmt.Sprintf("outbox budget: readings used their share of %d bytes while undelivered; new readings are refused (policy %s)",
			g.cfg.Outbox.MaxBytes, g.cfg.Outbox.BudgetPolicy)
	default:
		w.Message = fmt.Sprintf("outbox budget: readings accepted again; %d refused", a.Refused)
	}
	return json.Marshal(&w)
}

// formatRanges writes ranges as "1-3,5,7-9".
func formatRanges(rs []outbox.SeqRange) string {
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteByte(',')
		}
		if r.First == r.Last {
			fmt.Fprintf(&b, "%d", r.First)
		} else {
			fmt.Fprintf(&b, "%d-%d", r.First, r.Last)
		}
	}
	return b.String()
}

// outboxOptions are the options the gateway opens its outbox with: the configured
// budget policy and the budget counters beside the outbox metrics.
func (g *gw) outboxOptions() outbox.Options {
	b := outbox.Budget{Policy: outbox.Refuse, Alarm: g.budgetAlarm}
	if g.cfg.Outbox.BudgetPolicy != "refuse" {
		b.Policy, b.Thinner = outbox.Thin, newThinner(g.cfg.Outbox.ThinTo.Duration)
	}
	return outbox.Options{MaxBytes: int64(g.cfg.Outbox.MaxBytes), Logger: g.log,
		Metrics: withBudgetMetrics(g.m.outbox, g.opts.Registerer), Budget: b}
}

// withBudgetMetrics adds the budget counters to m, registered on reg when not nil.
func withBudgetMetrics(m outbox.Metrics, reg prometheus.Registerer) outbox.Metrics {
	c := func(name, help string) prometheus.Counter {
		col := prometheus.NewCounter(prometheus.CounterOpts{Name: "lotsense_gateway_outbox_" + name, Help: help})
		if reg != nil {
			reg.MustRegister(col)
		}
		return col
	}
	m.Refused = c("refused_total", "Readings refused by the outbox budget policy.")
	m.Thinned = c("thinned_total", "Readings removed by outbox thinning (declared by an outbox_thinned alarm).")
	m.ThinPasses = c("thin_passes_total", "Outbox thinning passes that removed readings.")
	m.BudgetAlarms = c("budget_alarms_total", "Outbox budget alarms raised (outbox_thinned, outbox_refusing).")
	m.ExemptRefused = c("exempt_refused_total", "Alarms and events refused: the outbox budget's headroom was used up.")
	return m
}
