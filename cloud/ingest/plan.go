package ingest

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
	"github.com/lotsense/lotsense/rules"
)

// minSuffix names the coldest-case series of a measured quantity in a lot's engine:
// rules that alarm low read "<quantity>/min" (see README.md, "A lot's exposure").
const minSuffix = "/min"

// HighLimitProfile returns the one-rule profile of -rule-limit and -rule-delay: a high
// rule at limit (°C) with delay, named "high". The engine confirms at t − start ≥
// delay (rules.HighLimit, which it replaces, at >).
func HighLimitProfile(limit float64, delay time.Duration) rules.Profile {
	return rules.Profile{
		Name:        "high-" + strconv.FormatFloat(limit, 'f', -1, 64) + "-" + rules.Duration(delay).String(),
		Description: fmt.Sprintf("above %g °C for %s", limit, rules.Duration(delay)),
		Rules:       []rules.Rule{{Name: "high", Kind: rules.KindHigh, Limit: limit, Delay: rules.Duration(delay)}},
	}
}

// stateQuantities are fed to a lot's engine as read: a door is open or not, a defrost
// runs or not; several sensors of them are not combined.
var stateQuantities = map[wire.Quantity]bool{wire.DoorOpen: true, wire.DefrostActive: true, wire.CompressorRunning: true}

// plan is how one profile runs on lot engines: the profile as the engine gets it, in
// which rules that alarm low read the coldest-case series ("<quantity>/min") of a
// measured quantity and the others its warmest-case series ("<quantity>"), and which
// wire quantities feed it.
type plan struct {
	name    string
	profile rules.Profile          // with defaults and the quantities rewritten
	rules   map[string]rules.Rule  // by name, as in profile
	max     map[wire.Quantity]bool // measured quantities whose warmest case some rule reads
	min     map[wire.Quantity]bool // … whose coldest case some rule reads
	states  map[wire.Quantity]bool // state quantities some rule reads
	reads   []wire.Quantity        // every wire quantity that feeds the engine
	qnames  []rules.Quantity       // every engine quantity fed, sorted (log encoding)
	ignored []string               // rules reading a quantity no gateway sends
}

// wireQuantity returns the wire quantity named q.
func wireQuantity(q rules.Quantity) (wire.Quantity, bool) {
	for i := 1; i < len(wire.QuantityNames); i++ {
		if wire.QuantityNames[i] == string(q) {
			return wire.Quantity(i), true
		}
	}
	return 0, false
}

// alarmsLow reports whether a rule alarms when its quantity is low.
func alarmsLow(r rules.Rule) bool {
	return r.Kind == rules.KindLow || r.Kind == rules.KindCumulativeLow || (r.Kind == rules.KindRate && r.Direction == "fall")
}

// newPlan validates a profile and plans it for lot engines.
func newPlan(p rules.Profile) (*plan, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	pl := &plan{name: p.Name, rules: map[string]rules.Rule{}, max: map[wire.Quantity]bool{}, min: map[wire.Quantity]bool{},
		states: map[wire.Quantity]bool{}}
	pl.profile = rules.Profile{Name: p.Name, Description: p.Description}
	for _, r := range p.Rules {
		r = r.Defaults()
		wq, ok := wireQuantity(r.Quantity)
		switch {
		case !ok:
			pl.ignored = append(pl.ignored, fmt.Sprintf("%s reads %q", r.Name, r.Quantity))
		case stateQuantities[wq]:
			pl.states[wq] = true
		case alarmsLow(r):
			pl.min[wq] = true
			r.Quantity += minSuffix
		default:
			pl.max[wq] = true
		}
		pl.profile.Rules = append(pl.profile.Rules, r)
		pl.rules[r.Name] = r
		if ok && !slices.Contains(pl.reads, wq) {
			pl.reads = append(pl.reads, wq)
		}
		if !slices.Contains(pl.qnames, r.Quantity) {
			pl.qnames = append(pl.qnames, r.Quantity)
		}
	}
	slices.Sort(pl.reads)
	slices.Sort(pl.qnames)
	if _, err := rules.NewEngine(pl.profile, nil); err != nil {
		return nil, err
	}
	return pl, nil
}

// measured reports whether q is combined over sensors (warmest or coldest case).
func (pl *plan) measured(q wire.Quantity) bool { return pl.max[q] || pl.min[q] }

// feeds reports whether readings of q feed the engine.
func (pl *plan) feeds(q wire.Quantity) bool { return pl.measured(q) || pl.states[q] }

// qindex is the index of an engine quantity in qnames, -1 when not fed.
func (pl *plan) qindex(q rules.Quantity) int {
	i, ok := slices.BinarySearch(pl.qnames, q)
	if !ok {
		return -1
	}
	return i
}

// baseQuantity returns the wire quantity an engine quantity is made of, and whether it
// is the coldest-case series.
func baseQuantity(q rules.Quantity) (wire.Quantity, bool) {
	s := string(q)
	low := len(s) > len(minSuffix) && s[len(s)-len(minSuffix):] == minSuffix
	if low {
		s = s[:len(s)-len(minSuffix)]
	}
	wq, _ := wireQuantity(rules.Quantity(s))
	return wq, low
}

// lotRef names a lot for profileFor.
type lotRef struct {
	id  int64
	key string
}

// profileFor returns the plan of the profile that judges a lot. Today one profile
// judges every lot (Options.Profile); per-product profiles come with the product
// registry (issue 9), keyed by the lot's GTIN, here.
func (in *Ingester) profileFor(lotRef) *plan { return in.plan }
