package gateway

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/signal"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway/wire"
	"github.com/lotsense/lotsense/rules"
)

// AlarmEdgeExcursion is the alarm kind of an excursion the gateway's own rules confirmed
// for a location (the cloud judges each lot separately and authoritatively).
const AlarmEdgeExcursion = "edge_excursion"

// Local rules timing.
const (
	edgeAdvanceEvery  = 30 * time.Second // offline and door_open rules see time pass
	edgeSnapshotEvery = 5 * time.Minute  // rule state saved, so a restart resumes a delay
	edgeStateDir      = "rules"          // in the outbox directory
)

// ResolveProfiles loads rules.profiles_file, if any, and returns the profile of every
// location that names one. Problems are reported where the configuration wrote them.
func ResolveProfiles(cfg *fwconfig.Config) (map[string]rules.Profile, error) {
	custom := map[string]rules.Profile{}
	if path := cfg.ProfilesPath(); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, cfg.ErrorAt("rules.profiles_file", fmt.Errorf("cannot read the profiles file: %w", err))
		}
		ps, err := rules.ParseProfiles(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		for _, p := range ps {
			custom[p.Name] = p
		}
	}
	var errs fwconfig.Errors
	out := map[string]rules.Profile{}
	for i, l := range cfg.Locations {
		if l.Profile == "" {
			continue
		}
		p, ok := custom[l.Profile]
		if !ok {
			p, ok = rules.Builtin(l.Profile)
		}
		if !ok {
			var names []string
			for _, b := range rules.BuiltinProfiles() {
				names = append(names, b.Name)
			}
			for n := range custom {
				names = append(names, n)
			}
			slices.Sort(names)
			errs = append(errs, cfg.ErrorAt(fmt.Sprintf("locations[%d].profile", i),
				fmt.Errorf("no profile %q: want one of %s", l.Profile, strings.Join(names, ", "))))
			continue
		}
		out[l.ID] = p
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// edgeRules evaluates each location's profile on the gateway: one rules.Engine per
// measuring sensor of the location (its temperature, humidity…), fed also with the
// location's door and defrost states. Confirmed excursions become alarms and switch
// the location's alarm output on, with or without a network.
type edgeRules struct {
	g       *gw
	dir     string
	mu      sync.Mutex // engines are fed from every poller
	engines map[string]*edgeEngine
	byLoc   map[string][]*edgeEngine
}

type edgeEngine struct {
	key, loc, sensor string
	e                *rules.Engine
	alarming         map[string]bool // confirmed excursions not closed, by id
}

// newEdgeRules builds the engines of every located sensor that measures something (not
// the contacts, whose states feed the others), restoring their state from the last run.
func (g *gw) newEdgeRules(profiles map[string]rules.Profile) (*edgeRules, error) {
	if len(profiles) == 0 {
		return nil, nil
	}
	er := &edgeRules{g: g, dir: filepath.Join(g.cfg.Outbox.Dir, edgeStateDir), engines: map[string]*edgeEngine{},
		byLoc: map[string][]*edgeEngine{}}
	if err := os.MkdirAll(er.dir, 0o750); err != nil {
		return nil, fmt.Errorf("gateway: rule state: %w", err)
	}
	for _, s := range g.cfg.Sensors {
		p, ok := profiles[s.Location]
		if !ok || s.Type == "contact" {
			continue
		}
		e, err := rules.NewEngine(p, nil)
		if err != nil {
			return nil, fmt.Errorf("gateway: location %s profile %s: %w", s.Location, p.Name, err)
		}
		ee := &edgeEngine{key: s.Location + "__" + s.ID, loc: s.Location, sensor: s.ID, e: e, alarming: map[string]bool{}}
		er.restore(ee)
		er.engines[s.ID] = ee
		er.byLoc[s.Location] = append(er.byLoc[s.Location], ee)
	}
	return er, nil
}

// restore loads an engine's saved state; a state of another profile is dropped.
func (er *edgeRules) restore(ee *edgeEngine) {
	data, err := os.ReadFile(filepath.Join(er.dir, ee.key+".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err == nil {
		err = ee.e.Restore(data)
	}
	if err != nil {
		er.g.log.Warn("local rule state not restored: the location's rules start afresh", "location", ee.loc, "sensor", ee.sensor, "err", err)
		return
	}
	for _, x := range ee.e.Excursions() {
		if x.Confirmed() && !x.Closed() {
			ee.alarming[x.ID] = true
		}
	}
}

// observe feeds a poll's readings to the rules of the sensor's location.
func (er *edgeRules) observe(ctx context.Context, s *sensorRun, rs []drivers.Reading) {
	if er == nil || len(rs) == 0 {
		return
	}
	er.mu.Lock()
	defer er.mu.Unlock()
	targets := er.byLoc[s.location]
	if ee := er.engines[s.id]; ee != nil {
		targets = []*edgeEngine{ee}
	}
	for _, r := range rs {
		q := r.Quantity
		state := q == drivers.DoorOpen || q == drivers.DefrostActive
		if !state && er.engines[s.id] == nil {
			continue
		}
		rr := rules.Reading{Time: r.Time, Quantity: rules.Quantity(q.String()), Value: r.Value, Good: r.Quality == drivers.Good}
		for _, ee := range targets {
			if state || ee.sensor == s.id {
				_, changes := ee.e.Add(rr)
				er.apply(ctx, ee, changes)
			}
		}
	}
}

// advance tells the engines that have heard nothing for a while what time it is, for
// offline and door_open rules. (An engine keeps each Advance in its history: calling it
// while readings flow would make the next one a late reading.)
func (er *edgeRules) advance(ctx context.Context) {
	er.mu.Lock()
	defer er.mu.Unlock()
	now := er.g.clock.Now()
	for _, ee := range er.engines {
		if latest := ee.e.Latest(); !latest.IsZero() && now.Sub(latest) > edgeAdvanceEvery {
			_, changes := ee.e.Advance(now)
			er.apply(ctx, ee, changes)
		}
	}
}

// apply turns an engine's changes into alarms and drives the location's output.
func (er *edgeRules) apply(ctx context.Context, ee *edgeEngine, changes []rules.ExcursionChange) {
	for _, c := range changes {
		x := c.Excursion
		switch {
		case c.Type == rules.Confirmed && !ee.alarming[x.ID]:
			ee.alarming[x.ID] = true
			er.alarm(ctx, ee, x, "raised", fmt.Sprintf("%s (%s) at %s, sensor %s: %s since %s, peak %.2f, limit %.2f",
				x.Rule, x.Kind, ee.loc, ee.sensor, x.Quantity, x.Start.Format(time.RFC3339), x.Peak, x.Limit))
		case (c.Type == rules.Closed || c.Type == rules.Retracted) && ee.alarming[x.ID]:
			delete(ee.alarming, x.ID)
			why := "cleared"
			if c.Type == rules.Retracted {
				why = "retracted by a late reading"
			}
			er.alarm(ctx, ee, x, "cleared", fmt.Sprintf("%s (%s) at %s, sensor %s: %s; %s beyond the limit",
				x.Rule, x.Kind, ee.loc, ee.sensor, why, x.Beyond.D()))
		}
	}
	er.signal(ee.loc)
}

func (er *edgeRules) alarm(ctx context.Context, ee *edgeEngine, x rules.Excursion, state, msg string) {
	at := x.ConfirmedAt
	if state == "cleared" {
		at = x.ClosedAt
		if at.IsZero() {
			at = er.g.clock.Now()
		}
	}
	sev := string(x.Severity)
	if sev == "" {
		sev = "warning"
	}
	er.g.raiseAlarm(ctx, wire.Alarm{Time: at, Kind: AlarmEdgeExcursion, State: state, Severity: sev,
		Location: ee.loc, Sensor: ee.sensor, Lots: er.g.binder.LotsAt(ee.loc), Message: msg})
}

// signal switches the location's alarm output on while any of its engines has a
// confirmed excursion open, and off when none has.
func (er *edgeRules) signal(loc string) {
	l := er.location(loc)
	if l == nil || l.AlarmOutput == "" {
		return
	}
	out := er.g.outputs[l.AlarmOutput]
	if out == nil {
		return
	}
	on := false
	for _, ee := range er.byLoc[loc] {
		on = on || len(ee.alarming) > 0
	}
	if on {
		out.PlayIfIdle(signal.Alarm)
	} else {
		out.StopPattern(signal.Alarm)
	}
}

func (er *edgeRules) location(id string) *fwconfig.Location {
	for i := range er.g.cfg.Locations {
		if er.g.cfg.Locations[i].ID == id {
			return &er.g.cfg.Locations[i]
		}
	}
	return nil
}

// save writes every engine's state.
func (er *edgeRules) save() {
	er.mu.Lock()
	defer er.mu.Unlock()
	for _, ee := range er.engines {
		data, err := ee.e.Snapshot()
		if err == nil {
			err = writeAtomic(filepath.Join(er.dir, ee.key+".json"), data)
		}
		if err != nil {
			er.g.log.Error("local rule state not saved: a restart would start this location's rules afresh",
				"location", ee.loc, "sensor", ee.sensor, "err", err)
		}
	}
}

// run advances time and saves state until ctx ends, then saves once more.
func (er *edgeRules) run(ctx context.Context) {
	adv := time.NewTicker(er.g.clock.Real(edgeAdvanceEvery))
	defer adv.Stop()
	snap := time.NewTicker(edgeSnapshotEvery)
	defer snap.Stop()
	for {
		select {
		case <-ctx.Done():
			er.save()
			return
		case <-adv.C:
			er.advance(ctx)
		case <-snap.C:
			er.save()
		}
	}
}
