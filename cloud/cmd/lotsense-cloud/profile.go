package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/lotsense/lotsense/cloud/ingest"
	"github.com/lotsense/lotsense/rules"
)

// profileFlags choose the rules profile that judges every lot.
type profileFlags struct {
	name, file string
	limit      float64
	delay      time.Duration
	staleness  time.Duration
	shorthand  bool // -rule-limit or -rule-delay given
}

func (p *profileFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&p.name, "profile", "", "rules profile judging every lot: a built-in one (chilled-5, frozen-18, pharma-2-8) or one of -profiles; empty: the one rule of -rule-limit and -rule-delay")
	fs.StringVar(&p.file, "profiles", "", "YAML or JSON file of rules profiles (see rules/README.md) for -profile")
	fs.Float64Var(&p.limit, "rule-limit", 8, "without -profile: the one rule \"high\", its temperature limit in °C")
	fs.DurationVar(&p.delay, "rule-delay", 30*time.Minute, "without -profile: how long above -rule-limit before an excursion (event time; confirmed at exactly the delay)")
	fs.DurationVar(&p.staleness, "staleness", ingest.DefaultStaleness, "how long a sensor's last good value still counts for the lots it measured (at most 3 of its intervals)")
}

// check refuses contradicting flags once they are parsed.
func (p *profileFlags) check(fs *flag.FlagSet) error {
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "rule-limit" || f.Name == "rule-delay" {
			p.shorthand = true
		}
	})
	switch {
	case p.name != "" && p.shorthand:
		return fmt.Errorf("serve: -profile %s and -rule-limit/-rule-delay: give one or the other", p.name)
	case p.file != "" && p.name == "":
		return fmt.Errorf("serve: -profiles %s: say which profile judges the lots with -profile NAME", p.file)
	case p.staleness <= 0:
		return fmt.Errorf("serve: -staleness %v: want a positive duration", p.staleness)
	}
	return nil
}

// profile returns the profile the flags choose.
func (p *profileFlags) profile() (rules.Profile, error) {
	if p.name == "" {
		return ingest.HighLimitProfile(p.limit, p.delay), nil
	}
	var names []string
	if p.file != "" {
		data, err := os.ReadFile(p.file)
		if err != nil {
			return rules.Profile{}, fmt.Errorf("serve: -profiles: %w", err)
		}
		list, err := rules.ParseProfiles(data)
		if err != nil {
			return rules.Profile{}, fmt.Errorf("serve: -profiles %s: %w", p.file, err)
		}
		for _, pr := range list {
			if pr.Name == p.name {
				return pr, nil
			}
			names = append(names, pr.Name)
		}
	}
	if pr, ok := rules.Builtin(p.name); ok {
		return pr, nil
	}
	for _, pr := range rules.BuiltinProfiles() {
		names = append(names, pr.Name)
	}
	slices.Sort(names)
	return rules.Profile{}, fmt.Errorf("serve: -profile %s: no such profile; known: %s", p.name, strings.Join(names, ", "))
}
