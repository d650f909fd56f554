package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Kind names a rule kind. The names are the ones written in profiles.
type Kind string

// Rule kinds. KindBadData is not written in profiles: it is the kind of the excursion a
// rule's bad_alarm raises.
const (
	KindHigh           Kind = "high"            // value above limit for at least delay
	KindLow            Kind = "low"             // value below limit for at least delay
	KindCumulativeHigh Kind = "cumulative_high" // total time above limit exceeds allowance
	KindCumulativeLow  Kind = "cumulative_low"  // total time below limit exceeds allowance
	KindMKT            Kind = "mkt"             // mean kinetic temperature above limit
	KindRate           Kind = "rate"            // change faster than per_minute over span
	KindOffline        Kind = "offline"         // no good sample for more than after
	KindDoorOpen       Kind = "door_open"       // door open for at least after
	KindDefrost        Kind = "defrost"         // suppresses temperature limits during defrost
	KindBadData        Kind = "bad_data"        // raised by a rule's bad_alarm
)

// Kinds lists the kinds a profile may use, in documentation order.
var Kinds = []Kind{KindHigh, KindLow, KindCumulativeHigh, KindCumulativeLow, KindMKT,
	KindRate, KindOffline, KindDoorOpen, KindDefrost}

// Severity says how loud an excursion is: "critical", "warning" or "info".
type Severity string

// Severities.
const (
	Critical Severity = "critical"
	Warning  Severity = "warning"
	Info     Severity = "info"
)

// Quantity names what a reading measures. An Engine evaluates one series per quantity;
// any string works (e.g. "temperature/probe-2" for a second probe), these are the
// names the gateway's wire format uses.
type Quantity string

// Quantities with a meaning to the default rules.
const (
	Temperature Quantity = "temperature" // °C
	Humidity    Quantity = "humidity"    // %RH
	DoorOpen    Quantity = "door_open"   // 1 open, 0 closed
	Defrost     Quantity = "defrost"     // 1 defrost active, 0 not
)

// Rule is one rule of a profile, as written in YAML or JSON. Which fields apply depends
// on Kind (see README.md); a field that does not apply must be left out, and a field
// left out takes its default (see Defaults). Durations are strings like "30m".
type Rule struct {
	// Name identifies the rule within its profile and in excursion ids; default: Kind.
	Name     string   `yaml:"name,omitempty" json:"name,omitempty"`
	Kind     Kind     `yaml:"kind" json:"kind"`
	Quantity Quantity `yaml:"quantity,omitempty" json:"quantity,omitempty"`
	Severity Severity `yaml:"severity,omitempty" json:"severity,omitempty"`

	// Limit is the threshold of high, low, cumulative_* and mkt (°C for temperature).
	Limit float64 `yaml:"limit" json:"limit"`
	// Delay: how long the condition must hold before the excursion is confirmed.
	Delay Duration `yaml:"delay,omitempty" json:"delay,omitempty"`
	// ClearMargin: hysteresis; the excursion clears only past limit∓clear_margin.
	ClearMargin float64 `yaml:"clear_margin,omitempty" json:"clear_margin,omitempty"`
	// ClearDelay: how long the value must stay cleared before the excursion closes.
	ClearDelay Duration `yaml:"clear_delay,omitempty" json:"clear_delay,omitempty"`
	// MaxGap caps how much time one interval between two good samples may count.
	MaxGap Duration `yaml:"max_gap,omitempty" json:"max_gap,omitempty"`
	// DefrostExempt keeps a high, low or rate rule alarming during defrost.
	DefrostExempt bool `yaml:"defrost_exempt,omitempty" json:"defrost_exempt,omitempty"`

	// Allowance: total time beyond the limit a cumulative rule tolerates.
	Allowance Duration `yaml:"allowance,omitempty" json:"allowance,omitempty"`

	// Window of an mkt rule; 0 means the whole series (a lot's life).
	Window Duration `yaml:"window,omitempty" json:"window,omitempty"`
	// MinTime: an mkt rule judges only once it covers this much time.
	MinTime Duration `yaml:"min_time,omitempty" json:"min_time,omitempty"`
	// ActivationEnergy ΔH in kJ/mol; or give DeltaHR (ΔH/R in kelvin), not both.
	ActivationEnergy float64 `yaml:"activation_energy,omitempty" json:"activation_energy,omitempty"`
	DeltaHR          float64 `yaml:"delta_h_r,omitempty" json:"delta_h_r,omitempty"`

	// PerMinute: the rate limit (units per minute) of a rate rule, over Span.
	PerMinute float64  `yaml:"per_minute,omitempty" json:"per_minute,omitempty"`
	Span      Duration `yaml:"span,omitempty" json:"span,omitempty"`
	// Direction of a rate rule: "rise", "fall" or "both".
	Direction string `yaml:"direction,omitempty" json:"direction,omitempty"`

	// After: silence before offline, open time before door_open.
	After Duration `yaml:"after,omitempty" json:"after,omitempty"`

	// MaxSuppress: the longest a defrost suppresses temperature limits.
	MaxSuppress Duration `yaml:"max_suppress,omitempty" json:"max_suppress,omitempty"`
	// Schedule: defrost times when no defrost signal is read (or as well as it).
	Schedule *Schedule `yaml:"schedule,omitempty" json:"schedule,omitempty"`

	// BadAlarm raises a bad_data excursion when the rule's quantity reads bad.
	BadAlarm *BadAlarm `yaml:"bad_alarm,omitempty" json:"bad_alarm,omitempty"`
}

// Schedule is a daily defrost timetable.
type Schedule struct {
	// Times of day the defrost starts, "HH:MM" in TimeZone.
	Times []string `yaml:"times" json:"times"`
	// Duration of each defrost (capped at the rule's max_suppress).
	Duration Duration `yaml:"duration" json:"duration"`
	// TimeZone is an IANA name like "Europe/Berlin"; default UTC.
	TimeZone string `yaml:"timezone,omitempty" json:"timezone,omitempty"`
}

// BadAlarm says when readings marked bad become an alarm of their own: at the Count-th
// bad sample in a row, or once bad samples have lasted For (from the first bad sample
// of the run to a later one), whichever comes first. Give one or both.
type BadAlarm struct {
	Count int      `yaml:"count,omitempty" json:"count,omitempty"`
	For   Duration `yaml:"for,omitempty" json:"for,omitempty"`
}

// Profile is a named bundle of rules for one kind of product or room.
type Profile struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	Rules       []Rule `yaml:"rules" json:"rules"`
}

// Duration is a time.Duration written as a string like "30m", "1h30m" or "24h".
type Duration time.Duration

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String writes the duration without zero units: "30m", "24h", "1h30m", "0s".
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

func parseDuration(s string) (Duration, error) {
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("want a duration like \"30m\" or \"1h30m\", got %q", s)
	}
	return Duration(v), nil
}

// UnmarshalYAML reads a duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("want a duration like \"30m\", got a " + nodeKind(n))
	}
	v, err := parseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalYAML writes the duration as a string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalJSON reads a duration string; a bare number is refused (seconds or
// nanoseconds would be a guess).
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("rules: want a duration string like \"30m\", got %s", b)
	}
	v, err := parseDuration(s)
	if err != nil {
		return fmt.Errorf("rules: %w", err)
	}
	*d = v
	return nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	return "scalar"
}
