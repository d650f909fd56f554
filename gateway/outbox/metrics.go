package outbox

// Counter, Observer and Gauge are the parts of Prometheus metrics the outbox uses;
// prometheus.Counter, prometheus.Histogram and prometheus.Gauge satisfy them, so the
// gateway creates its metrics on its own registry and hands them over here. Declaring
// them here keeps this package free of any registry (and of the client library).
type (
	Counter  interface{ Add(float64) }
	Observer interface{ Observe(float64) }
	Gauge    interface{ Set(float64) }
)

// Metrics receives the outbox's measurements; nil fields are skipped.
type Metrics struct {
	Appended      Counter  // records appended (durable)
	Commits       Counter  // Badger commits (one fsync each)
	CommitSeconds Observer // commit latency, fsync included
	Full          Counter  // appends refused with ErrFull
	Pending       Gauge    // records not yet acked, all streams
	PendingBytes  Gauge    // bytes of stored segments not yet fully acked
	MappingsTamed Counter  // Badger file mappings given MADV_RANDOM (tame.go)

	// The disk budget (see Budget).
	Refused       Counter // readings refused by the budget policy
	Thinned       Counter // readings removed by thinning passes
	ThinPasses    Counter // thinning passes that removed readings
	BudgetAlarms  Counter // budget alarms raised
	ExemptRefused Counter // alarms and events refused: even their headroom was used up
}

func add(c Counter, v float64) {
	if c != nil {
		c.Add(v)
	}
}

func set(g Gauge, v float64) {
	if g != nil {
		g.Set(v)
	}
}

func observe(o Observer, v float64) {
	if o != nil {
		o.Observe(v)
	}
}
