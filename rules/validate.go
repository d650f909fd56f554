package rules

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults of rule fields left out (see Rule.Defaults).
const (
	DefaultMaxGap      = 15 * time.Minute // max_gap of high, low, cumulative_*, mkt, rate
	DefaultMaxSuppress = time.Hour        // max_suppress of defrost
	DefaultDeltaHR     = 10000.0          // ΔH/R in kelvin of mkt (USP <1160>: 83.144 kJ/mol ÷ R)
	DefaultMKTMinTime  = 24 * time.Hour   // min_time of a whole-series mkt (window 0)
	// GasConstant R in J/(mol·K) as USP <1160> writes it, so 83.144 kJ/mol is 10,000 K.
	GasConstant = 8.3144
)

// applies lists the fields each kind reads, besides name, kind, quantity and severity.
var applies = map[Kind][]string{
	KindHigh:           {"limit", "delay", "clear_margin", "clear_delay", "max_gap", "defrost_exempt", "bad_alarm"},
	KindLow:            {"limit", "delay", "clear_margin", "clear_delay", "max_gap", "defrost_exempt", "bad_alarm"},
	KindCumulativeHigh: {"limit", "allowance", "max_gap", "bad_alarm"},
	KindCumulativeLow:  {"limit", "allowance", "max_gap", "bad_alarm"},
	KindMKT: {"limit", "delay", "clear_margin", "clear_delay", "max_gap", "window", "min_time",
		"activation_energy", "delta_h_r", "bad_alarm"},
	KindRate: {"per_minute", "span", "direction", "delay", "clear_margin", "clear_delay", "max_gap",
		"defrost_exempt", "bad_alarm"},
	KindOffline:  {"after"},
	KindDoorOpen: {"after", "bad_alarm"},
	KindDefrost:  {"max_suppress", "schedule", "bad_alarm"},
}

// needsLimit is true for the kinds whose limit must be written (0 is a valid limit).
func needsLimit(k Kind) bool { return slices.Contains(applies[k], "limit") }

// setFields returns the keys of the fields given a non-zero value.
func (r Rule) setFields() []string {
	var out []string
	add := func(key string, set bool) {
		if set {
			out = append(out, key)
		}
	}
	add("limit", r.Limit != 0)
	add("delay", r.Delay != 0)
	add("clear_margin", r.ClearMargin != 0)
	add("clear_delay", r.ClearDelay != 0)
	add("max_gap", r.MaxGap != 0)
	add("defrost_exempt", r.DefrostExempt)
	add("allowance", r.Allowance != 0)
	add("window", r.Window != 0)
	add("min_time", r.MinTime != 0)
	add("activation_energy", r.ActivationEnergy != 0)
	add("delta_h_r", r.DeltaHR != 0)
	add("per_minute", r.PerMinute != 0)
	add("span", r.Span != 0)
	add("direction", r.Direction != "")
	add("after", r.After != 0)
	add("max_suppress", r.MaxSuppress != 0)
	add("schedule", r.Schedule != nil)
	add("bad_alarm", r.BadAlarm != nil)
	return out
}

// Defaults returns the rule with every field left out set to its default: name = kind;
// quantity door_open for door_open, defrost for defrost, temperature otherwise;
// severity critical for high, low, cumulative_* and mkt, warning otherwise; max_gap
// 15m; mkt: ΔH/R 10,000 K, min_time = window (24h when window is 0); rate: direction
// both; defrost: max_suppress 1h.
func (r Rule) Defaults() Rule {
	if r.Name == "" {
		r.Name = string(r.Kind)
	}
	if r.Quantity == "" {
		switch r.Kind {
		case KindDoorOpen:
			r.Quantity = DoorOpen
		case KindDefrost:
			r.Quantity = Defrost
		default:
			r.Quantity = Temperature
		}
	}
	if r.Severity == "" {
		switch r.Kind {
		case KindHigh, KindLow, KindCumulativeHigh, KindCumulativeLow, KindMKT:
			r.Severity = Critical
		default:
			r.Severity = Warning
		}
	}
	if r.MaxGap == 0 && slices.Contains(applies[r.Kind], "max_gap") {
		r.MaxGap = Duration(DefaultMaxGap)
	}
	switch r.Kind {
	case KindMKT:
		if r.ActivationEnergy == 0 && r.DeltaHR == 0 {
			r.DeltaHR = DefaultDeltaHR
		}
		if r.MinTime == 0 {
			r.MinTime = r.Window
			if r.Window == 0 {
				r.MinTime = Duration(DefaultMKTMinTime)
			}
		}
	case KindRate:
		if r.Direction == "" {
			r.Direction = "both"
		}
	case KindDefrost:
		if r.MaxSuppress == 0 {
			r.MaxSuppress = Duration(DefaultMaxSuppress)
		}
	}
	return r
}

// clone copies the rule deeply (schedule, bad_alarm).
func (r Rule) clone() Rule {
	if r.Schedule != nil {
		s := *r.Schedule
		s.Times = slices.Clone(s.Times)
		r.Schedule = &s
	}
	if r.BadAlarm != nil {
		b := *r.BadAlarm
		r.BadAlarm = &b
	}
	return r
}

// deltaHR returns ΔH/R in kelvin of an mkt rule with defaults applied.
func (r Rule) deltaHR() float64 {
	if r.ActivationEnergy != 0 {
		return r.ActivationEnergy * 1000 / GasConstant
	}
	return r.DeltaHR
}

// Validate reports every problem of the rule as Errors: an unknown kind, a field that
// does not apply to the kind, a required field left out, a value out of range. A
// limit of 0 cannot be told from a missing one here; ParseProfiles checks that.
func (r Rule) Validate() error {
	es := r.problems()
	name := r.Name
	if name == "" {
		name = string(r.Kind)
	}
	for _, e := range es {
		e.Rule = name
	}
	return es.err()
}

func (r Rule) problems() Errors {
	if r.Kind == "" {
		return Errors{problem("kind", "missing; want one of %s", kindList())}
	}
	if _, ok := applies[r.Kind]; !ok {
		return Errors{problem("kind", "unknown kind %q; want one of %s", r.Kind, kindList())}
	}
	var es Errors
	if r.Name != "" && !validName(r.Name) {
		es = append(es, problem("name", "%q: want letters, digits, '_', '-' or '.'", r.Name))
	}
	switch r.Severity {
	case "", Critical, Warning, Info:
	default:
		es = append(es, problem("severity", "unknown severity %q; want critical, warning or info", r.Severity))
	}
	if strings.TrimSpace(string(r.Quantity)) != string(r.Quantity) {
		es = append(es, problem("quantity", "%q has leading or trailing space", r.Quantity))
	}
	for _, f := range r.setFields() {
		if !slices.Contains(applies[r.Kind], f) {
			es = append(es, problem(f, "does not apply to kind %s (it reads %s)", r.Kind, strings.Join(applies[r.Kind], ", ")))
		}
	}
	es = append(es, r.rangeProblems()...)
	switch r.Kind {
	case KindCumulativeHigh, KindCumulativeLow:
		if r.Allowance <= 0 {
			es = append(es, problem("allowance", "required: the total time beyond the limit tolerated, like \"24h\""))
		}
	case KindMKT:
		es = append(es, r.mktProblems()...)
	case KindRate:
		es = append(es, r.rateProblems()...)
	case KindOffline:
		if r.After <= 0 {
			es = append(es, problem("after", "required: how long without a good sample is offline, like \"15m\""))
		}
	case KindDefrost:
		es = append(es, r.Schedule.problems()...)
	}
	if r.BadAlarm != nil && r.BadAlarm.Count <= 0 && r.BadAlarm.For <= 0 {
		es = append(es, problem("bad_alarm", "give count (bad samples in a row) or for (a duration), or both"))
	}
	if r.BadAlarm != nil && r.BadAlarm.Count < 0 {
		es = append(es, problem("bad_alarm.count", "must not be negative, got %d", r.BadAlarm.Count))
	}
	return es
}

// rangeProblems checks what every kind shares: finite numbers, durations ≥ 0.
func (r Rule) rangeProblems() Errors {
	var es Errors
	for _, f := range []struct {
		key string
		v   float64
	}{{"limit", r.Limit}, {"clear_margin", r.ClearMargin}, {"per_minute", r.PerMinute},
		{"activation_energy", r.ActivationEnergy}, {"delta_h_r", r.DeltaHR}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			es = append(es, problem(f.key, "want a finite number, got %v", f.v))
		}
	}
	if r.ClearMargin < 0 {
		es = append(es, problem("clear_margin", "must not be negative, got %v", r.ClearMargin))
	}
	durs := []struct {
		key string
		d   Duration
	}{{"delay", r.Delay}, {"clear_delay", r.ClearDelay}, {"max_gap", r.MaxGap}, {"allowance", r.Allowance},
		{"window", r.Window}, {"min_time", r.MinTime}, {"span", r.Span}, {"after", r.After},
		{"max_suppress", r.MaxSuppress}}
	if r.BadAlarm != nil {
		durs = append(durs, struct {
			key string
			d   Duration
		}{"bad_alarm.for", r.BadAlarm.For})
	}
	for _, f := range durs {
		if f.d < 0 {
			es = append(es, problem(f.key, "must not be negative, got %s", f.d))
		}
	}
	return es
}

func (r Rule) mktProblems() Errors {
	var es Errors
	if r.ActivationEnergy != 0 && r.DeltaHR != 0 {
		es = append(es, problem("delta_h_r", "give activation_energy (kJ/mol) or delta_h_r (K), not both"))
	}
	if r.ActivationEnergy < 0 {
		es = append(es, problem("activation_energy", "must be positive (kJ/mol), got %v", r.ActivationEnergy))
	}
	if r.DeltaHR < 0 {
		es = append(es, problem("delta_h_r", "must be positive (kelvin), got %v", r.DeltaHR))
	}
	if r.Limit <= -273.15 {
		es = append(es, problem("limit", "must be above absolute zero (-273.15 °C), got %v", r.Limit))
	}
	if r.Window > 0 && r.MinTime > r.Window {
		es = append(es, problem("min_time", "%s is longer than the window %s", r.MinTime, r.Window))
	}
	return es
}

func (r Rule) rateProblems() Errors {
	var es Errors
	if r.PerMinute <= 0 {
		es = append(es, problem("per_minute", "required: a positive rate in units per minute, like 0.5"))
	} else if r.ClearMargin >= r.PerMinute {
		es = append(es, problem("clear_margin", "%v must be smaller than per_minute %v", r.ClearMargin, r.PerMinute))
	}
	if r.Span <= 0 {
		es = append(es, problem("span", "required: the time the rate is measured over, like \"10m\""))
	}
	switch r.Direction {
	case "", "rise", "fall", "both":
	default:
		es = append(es, problem("direction", "unknown direction %q; want rise, fall or both", r.Direction))
	}
	return es
}

func (s *Schedule) problems() Errors {
	if s == nil {
		return nil
	}
	var es Errors
	if len(s.Times) == 0 {
		es = append(es, problem("schedule.times", "required: the daily start times, like [\"06:00\", \"18:00\"]"))
	}
	for i, t := range s.Times {
		if _, err := time.Parse("15:04", t); err != nil || len(t) != 5 {
			es = append(es, problem(fieldIndex("schedule.times", i), "want a time of day \"HH:MM\", got %q", t))
		} else if slices.Index(s.Times, t) < i {
			es = append(es, problem(fieldIndex("schedule.times", i), "%s is listed twice", t))
		}
	}
	if s.Duration <= 0 || s.Duration >= Duration(24*time.Hour) {
		es = append(es, problem("schedule.duration", "want a duration between 0 and 24h, like \"30m\", got %s", s.Duration))
	}
	if s.TimeZone == "Local" {
		es = append(es, problem("schedule.timezone", "\"Local\" differs between machines; want an IANA name like \"Europe/Berlin\""))
	} else if _, err := time.LoadLocation(s.TimeZone); err != nil {
		es = append(es, problem("schedule.timezone", "unknown time zone %q; want an IANA name like \"Europe/Berlin\"", s.TimeZone))
	}
	return es
}

// Validate reports every problem of the profile and its rules as Errors.
func (p Profile) Validate() error { return p.problems().err() }

func (p Profile) problems() Errors {
	var es Errors
	if p.Name == "" {
		es = append(es, problem("name", "required"))
	} else if !validName(p.Name) {
		es = append(es, problem("name", "%q: want letters, digits, '_', '-' or '.'", p.Name))
	}
	if len(p.Rules) == 0 {
		es = append(es, problem("rules", "required: at least one rule"))
	}
	seen := map[string]int{}
	defrosts := 0
	for i, r := range p.Rules {
		name := r.Defaults().Name
		for _, e := range r.problems() {
			e.Index, e.Rule = i, name
			es = append(es, e)
		}
		if j, dup := seen[name]; dup {
			e := problem("name", "%q is also the name of rules[%d]; give each rule its own name", name, j)
			e.Index, e.Rule = i, name
			es = append(es, e)
		} else {
			seen[name] = i
		}
		if r.Kind == KindDefrost {
			if defrosts++; defrosts == 2 {
				e := problem("kind", "a profile has at most one defrost rule")
				e.Index, e.Rule = i, name
				es = append(es, e)
			}
		}
	}
	for _, e := range es {
		e.Profile = p.Name
	}
	return es
}

func validName(s string) bool {
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
		if !ok {
			return false
		}
	}
	return s != ""
}

func kindList() string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

func fieldIndex(key string, i int) string { return key + "[" + strconv.Itoa(i) + "]" }
