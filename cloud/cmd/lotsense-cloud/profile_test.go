package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/rules"
)

// serve's flags choose the profile that judges every lot: the shorthand by default, a
// built-in one, or one from a file; contradictions and unknown names are refused
// before anything starts.
func TestServeChoosesTheRulesProfile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "profiles.yaml")
	err := os.WriteFile(file, []byte(`profiles:
  - name: vaccines
    rules:
      - {kind: high, limit: 8, delay: 15m}
      - {kind: cumulative_high, limit: 8, allowance: 40m}
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("profiles:\n  - name: x\n    rules:\n      - {kind: high, limit: 8, dealy: 5m}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args  []string
		want  string // profile name and rule count, or an error's text
		rules int
	}{
		{nil, "high-8-30m", 1},
		{[]string{"-rule-limit", "8", "-rule-delay", "15m"}, "high-8-15m", 1},
		{[]string{"-profile", "pharma-2-8"}, "pharma-2-8", 5},
		{[]string{"-profile", "vaccines", "-profiles", file}, "vaccines", 2},
		{[]string{"-profile", "chilled-5", "-profiles", file}, "chilled-5", 2},
		{[]string{"-profile", "nope", "-profiles", file}, "no such profile; known: chilled-5, frozen-18, pharma-2-8, vaccines", 0},
		{[]string{"-profile", "pharma-2-8", "-rule-limit", "5"}, "give one or the other", 0},
		{[]string{"-profiles", file}, "say which profile", 0},
		{[]string{"-profile", "x", "-profiles", bad}, "line 4", 0},
		{[]string{"-staleness", "0s"}, "want a positive duration", 0},
	} {
		f, err := parseServe(c.args)
		if c.rules == 0 {
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%q: error %v, want one saying %q", c.args, err, c.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.args, err)
			continue
		}
		if f.profile.Name != c.want || len(f.profile.Rules) != c.rules {
			t.Errorf("%q: profile %+v, want %s with %d rules", c.args, f.profile, c.want, c.rules)
		}
	}
	f, err := parseServe([]string{"-rule-limit", "8", "-rule-delay", "15m"})
	if err != nil {
		t.Fatal(err)
	}
	if r := f.profile.Rules[0]; r.Kind != rules.KindHigh || r.Limit != 8 || r.Delay.D() != 15*time.Minute {
		t.Errorf("shorthand rule %+v", r)
	}
}
