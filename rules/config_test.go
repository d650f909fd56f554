package rules

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestParseProfilesExample(t *testing.T) {
	data, err := os.ReadFile("testdata/profiles.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := ParseProfiles(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].Name != "vaccines-walk-in" || len(ps[0].Rules) != 9 || len(ps[1].Rules) != 3 {
		t.Fatalf("parsed %+v", ps)
	}
	r := ps[0].Rules[0]
	want := Rule{Name: "high", Kind: KindHigh, Limit: 8, Delay: mn(15), ClearMargin: 0.5, ClearDelay: mn(5),
		BadAlarm: &BadAlarm{Count: 3, For: mn(10)}}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("rules[0] = %+v, want %+v", r, want)
	}
	d := ps[0].Rules[8].Schedule
	if d == nil || !slices.Equal(d.Times, []string{"00:00", "06:00", "12:00", "18:00"}) || d.Duration != mn(30) || d.TimeZone != "Europe/Berlin" {
		t.Errorf("schedule %+v", d)
	}
	for _, p := range ps {
		if _, err := NewEngine(p, nil); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
	// The same profiles as JSON (what json.Marshal writes) parse to the same.
	js, err := json.Marshal(map[string]any{"profiles": ps})
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseProfiles(js)
	if err != nil || !reflect.DeepEqual(again, ps) {
		t.Fatalf("JSON round trip: %v\n%s", err, js)
	}
	var viaJSON struct{ Profiles []Profile }
	if err := json.Unmarshal(js, &viaJSON); err != nil || !reflect.DeepEqual(viaJSON.Profiles, ps) {
		t.Fatalf("encoding/json round trip: %v", err)
	}
	ym, err := yaml.Marshal(ps)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := ParseProfiles(ym); err != nil || !reflect.DeepEqual(again, ps) {
		t.Fatalf("YAML round trip: %v\n%s", err, ym)
	}
}

func TestParseProfilesErrors(t *testing.T) {
	src := `profiles:
  - name: bad
    rules:
      - kind: high
        delay: -5m
      - kind: hgh
      - kind: cumulative_high
        limit: 8
      - kind: mkt
        limit: 8
        per_minute: 2
      - kind: high
        limit: x
      - kind: low
        dealy: 5m
        limit: 2
      - {kind: high, limit: 1, delay: 5 minutes}
      - {kind: rate, per_minute: 1, span: 1m, clear_margin: 2}
      - {kind: defrost, schedule: {times: ["6:00", "25:00"], duration: 30m, timezone: Mars/Olympus}}
  - name: pharma-2-8
    rules: [{kind: offline, after: 5m}]
`
	_, err := ParseProfiles([]byte(src))
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("error %v is not Errors", err)
	}
	want := []string{
		`rules: line 4, column 9: profile "bad": rules[0] "high": limit: required: the threshold, like 8`,
		`rules: line 5, column 9: profile "bad": rules[0] "high": delay: must not be negative, got -5m`,
		`rules: line 6, column 9: profile "bad": rules[1] "hgh": kind: unknown kind "hgh"; want one of high, low, cumulative_high, cumulative_low, mkt, rate, offline, door_open, defrost`,
		`rules: line 7, column 9: profile "bad": rules[2] "cumulative_high": allowance: required: the total time beyond the limit tolerated, like "24h"`,
		`rules: line 11, column 9: profile "bad": rules[3] "mkt": per_minute: does not apply to kind mkt (it reads limit, delay, clear_margin, clear_delay, max_gap, window, min_time, activation_energy, delta_h_r, bad_alarm)`,
		`rules: line 12, column 9: profile "bad": rules[4] "high": name: "high" is also the name of rules[0]; give each rule its own name`,
		`rules: line 13, column 16: profile "bad": rules[4] "high": limit: want a number, got "x"`,
		`rules: line 15, column 9: profile "bad": rules[5] "low": dealy: unknown key; known keys: name, kind, quantity, severity, limit, delay, clear_margin, clear_delay, max_gap, defrost_exempt, allowance, window, min_time, activation_energy, delta_h_r, per_minute, span, direction, after, max_suppress, schedule, bad_alarm`,
		`rules: line 17, column 9: profile "bad": rules[6] "high": name: "high" is also the name of rules[0]; give each rule its own name`,
		`rules: line 17, column 39: profile "bad": rules[6] "high": delay: want a duration like "30m" or "1h30m", got "5 minutes"`,
		`rules: line 18, column 47: profile "bad": rules[7] "rate": clear_margin: 2 must be smaller than per_minute 1`,
		`rules: line 19, column 44: profile "bad": rules[8] "defrost": schedule.times[0]: want a time of day "HH:MM", got "6:00"`,
		`rules: line 19, column 52: profile "bad": rules[8] "defrost": schedule.times[1]: want a time of day "HH:MM", got "25:00"`,
		`rules: line 19, column 77: profile "bad": rules[8] "defrost": schedule.timezone: unknown time zone "Mars/Olympus"; want an IANA name like "Europe/Berlin"`,
		`rules: line 20, column 5: profile "pharma-2-8": name: is the name of a built-in profile; choose another name`,
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Error())
	}
	if !slices.Equal(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseProfilesShapes(t *testing.T) {
	for src, want := range map[string]string{
		"":                         "no profiles",
		"profiles: 3":              "line 1, column 11: want a list of profiles, got a scalar",
		"other: []":                `line 1, column 1: unknown key "other"; want profiles`,
		"[{name: a}]":              `line 1, column 2: profile "a": rules: required: at least one rule`,
		"- name: a\n  rules: {}\n": `line 2, column 10: profile "a": rules: want a list of rules, got a mapping`,
		"- name: a\n  rules: [\n":  "line 2: did not find expected node content",
		"- {name: a b, rules: [{kind: offline, after: 1m}]}":                                                 `profile "a b": name: "a b": want letters`,
		"- {name: a, rules: [{kind: offline, after: 1m}]}\n- {name: a, rules: [{kind: offline, after: 1m}]}": "already defined on line 1",
		"- {name: a, rules: [{kind: door_open}, {kind: defrost}, {kind: defrost, name: d2}]}":                "at most one defrost rule",
		"- {name: a, rules: [{kind: high, limit: 1, bad_alarm: {}}]}":                                        "bad_alarm: give count",
		"- {name: a, rules: [{kind: mkt, limit: 1, activation_energy: 83, delta_h_r: 10000}]}":               "not both",
		"- {name: a, rules: [{kind: mkt, limit: 1, window: 1h, min_time: 2h}]}":                              "min_time: 2h is longer than the window 1h",
	} {
		_, err := ParseProfiles([]byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error containing %q", src, err, want)
		}
	}
}

func TestBuiltinProfiles(t *testing.T) {
	names := []string{}
	for _, p := range BuiltinProfiles() {
		names = append(names, p.Name)
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
		if _, err := NewEngine(p, nil); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
	if !slices.Equal(names, []string{"chilled-5", "frozen-18", "pharma-2-8"}) {
		t.Errorf("built-ins %v", names)
	}
	p, ok := Builtin("pharma-2-8")
	if !ok || len(p.Rules) != 5 {
		t.Fatalf("pharma-2-8: %+v", p)
	}
	p.Rules[0].Limit = 99 // a copy
	if q, _ := Builtin("pharma-2-8"); q.Rules[0].Limit != 8 {
		t.Error("Builtin returns a shared profile")
	}
	if _, ok := Builtin("nope"); ok {
		t.Error("Builtin(nope) found")
	}
}

// pharma-2-8 on a day with a 3-hour warm spell at 11 °C and a 10-minute spike to 16 °C.
func TestPharmaProfile(t *testing.T) {
	p, _ := Builtin("pharma-2-8")
	e, err := NewEngine(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	var opened, confirmed []string
	for m := 0; m <= 30*60; m += 5 {
		v := 5.0
		if m >= 25*60 && m < 28*60 {
			v = 11
		}
		if m == 26*60 {
			v = 16
		}
		_, ch := e.Add(Reading{Time: at(m), Quantity: Temperature, Value: v, Good: true})
		for _, c := range ch {
			switch c.Type {
			case Opened:
				opened = append(opened, c.Excursion.Rule+"@"+mins(c.Excursion.Start))
			case Confirmed:
				confirmed = append(confirmed, c.Excursion.Rule+"@"+mins(c.Excursion.ConfirmedAt))
			}
		}
	}
	wantOpened := []string{"high@1500", "cumulative_high@1500", "high_hard@1560"}
	wantConfirmed := []string{"high@1530", "high_hard@1560"}
	if !slices.Equal(opened, wantOpened) || !slices.Equal(confirmed, wantConfirmed) {
		t.Errorf("opened %v confirmed %v, want %v and %v", opened, confirmed, wantOpened, wantConfirmed)
	}
	// 3 h at 11 °C (one 5-minute reading at 16 °C) in 24 h of 5 °C: MKT ≈ 6.0 °C ≤ 8.
	for _, x := range e.Excursions() {
		if x.Rule == "mkt" {
			t.Errorf("mkt excursion %+v", x)
		}
		if x.Rule == "cumulative_high" && (x.Beyond != Duration(3*time.Hour) || x.Confirmed()) {
			t.Errorf("cumulative %+v, want 3h beyond, not confirmed", x)
		}
	}
}

func TestDurationText(t *testing.T) {
	for d, s := range map[time.Duration]string{0: "0s", 30 * time.Minute: "30m", 24 * time.Hour: "24h",
		90 * time.Minute: "1h30m", 90 * time.Second: "1m30s", 1500 * time.Millisecond: "1.5s"} {
		if got := Duration(d).String(); got != s {
			t.Errorf("%v: %q, want %q", d, got, s)
		}
		var back Duration
		if err := json.Unmarshal([]byte(`"`+s+`"`), &back); err != nil || back != Duration(d) {
			t.Errorf("%q: %v %v", s, back, err)
		}
	}
	var d Duration
	if err := json.Unmarshal([]byte(`1800`), &d); err == nil {
		t.Error("a bare number was taken as a duration")
	}
}

func TestRuleValidate(t *testing.T) {
	err := Rule{Kind: KindOffline}.Validate()
	if err == nil || err.Error() != `rules: rule "offline": after: required: how long without a good sample is offline, like "15m"` {
		t.Errorf("%v", err)
	}
	if err := (Rule{Kind: KindHigh, Limit: 8, Severity: "loud"}).Validate(); err == nil || !strings.Contains(err.Error(), "unknown severity") {
		t.Errorf("%v", err)
	}
	if err := (Rule{Kind: KindHigh, Limit: 8}).Validate(); err != nil {
		t.Error(err)
	}
	d := Rule{Kind: KindMKT, Limit: 8}.Defaults()
	if d.Name != "mkt" || d.Quantity != Temperature || d.Severity != Critical || d.DeltaHR != 10000 || d.MinTime != Duration(24*time.Hour) || d.MaxGap != mn(15) {
		t.Errorf("mkt defaults %+v", d)
	}
}
