package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"sync"
)

// Binder knows which lots are at each location, so every reading can carry them.
//
// A location's lots are the union of two parts:
//   - its standing lots: those the configuration file lists under the location (or the
//     cloud's lot map, once received, for the locations it names). They stay until the
//     file or the lot map changes.
//   - the lots of the tags that came in through a dock door into it (Arrive) and have
//     not gone out again (Depart): a lot is present while at least one of its tags is.
//     Scanned items with an identity (an SSCC, a serialised case) count as tags too.
//   - the lots counted in by scans of case labels without an identity (Adjust): a lot is
//     present while its count is above zero.
//
// The tag part survives restarts in a small JSON file (Save/Load), so a gateway that
// reboots still attaches readings to the pallets that are in the room.
type Binder struct {
	mu       sync.RWMutex
	standing map[string][]string            // location → lots
	tags     map[string]map[string][]string // location → tag (EPC URI) → its lots
	counts   map[string]map[string]int      // location → lot → units counted in by scans
	lots     map[string][]string            // location → union, rebuilt on change
}

// NewBinder returns a binder with the standing lots of each location.
func NewBinder(lots map[string][]string) *Binder {
	b := &Binder{standing: map[string][]string{}, tags: map[string]map[string][]string{},
		counts: map[string]map[string]int{}, lots: map[string][]string{}}
	for loc, l := range lots {
		b.Set(loc, l)
	}
	return b
}

// LotsAt returns the lots at a location. The slice is shared: callers must not change it.
func (b *Binder) LotsAt(location string) []string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.lots[location]
}

// Set replaces the standing lots at a location.
func (b *Binder) Set(location string, lots []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.standing[location] = slices.Clone(lots)
	b.rebuild(location)
}

// Arrive records that the tag came into location carrying lots; a tag is in one place
// at a time, so it leaves wherever it was before. A tag with no lots changes nothing.
func (b *Binder) Arrive(location, tag string, lots []string) {
	if len(lots) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.remove(tag)
	if b.tags[location] == nil {
		b.tags[location] = map[string][]string{}
	}
	b.tags[location][tag] = slices.Clone(lots)
	b.rebuild(location)
}

// Depart records that the tag left (went out through a door): it is no longer at any
// location.
func (b *Binder) Depart(tag string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.remove(tag)
}

// Adjust adds n (negative: takes) units of lot at location, counted by scans of labels
// that name a lot but no single item; the count never goes below zero.
func (b *Binder) Adjust(location, lot string, n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.counts[location]
	if c == nil {
		if n <= 0 {
			return
		}
		c = map[string]int{}
		b.counts[location] = c
	}
	if v := c[lot] + n; v > 0 {
		c[lot] = v
	} else {
		delete(c, lot)
	}
	b.rebuild(location)
}

// CountedAt returns the locations where units of lot are counted, sorted.
func (b *Binder) CountedAt(lot string) []string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []string
	for loc, c := range b.counts {
		if c[lot] > 0 {
			out = append(out, loc)
		}
	}
	slices.Sort(out)
	return out
}

// remove drops the tag from every location. b.mu is held.
func (b *Binder) remove(tag string) {
	for loc, ts := range b.tags {
		if _, ok := ts[tag]; ok {
			delete(ts, tag)
			b.rebuild(loc)
		}
	}
}

// TagsAt returns how many tags with lots are at a location.
func (b *Binder) TagsAt(location string) int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.tags[location])
}

// rebuild recomputes a location's union: standing lots in their order, then the tags'
// lots sorted. b.mu is held.
func (b *Binder) rebuild(location string) {
	out := slices.Clone(b.standing[location])
	var moved []string
	add := func(l string) {
		if !slices.Contains(out, l) && !slices.Contains(moved, l) {
			moved = append(moved, l)
		}
	}
	for _, lots := range b.tags[location] {
		for _, l := range lots {
			add(l)
		}
	}
	for l := range b.counts[location] {
		add(l)
	}
	slices.Sort(moved)
	out = append(out, moved...)
	if len(out) == 0 {
		delete(b.lots, location)
		return
	}
	b.lots[location] = out
}

// presenceFile is the on-disk form of the tag part.
type presenceFile struct {
	V      int                            `json:"v"`
	Tags   map[string]map[string][]string `json:"tags"`             // location → tag → lots
	Counts map[string]map[string]int      `json:"counts,omitempty"` // location → lot → units
}

// Save writes the tag part to path atomically (a temporary file, fsync, rename), so a
// crash leaves either the old or the new file, never half of one.
func (b *Binder) Save(path string) error {
	b.mu.RLock()
	data, err := json.Marshal(presenceFile{V: 1, Tags: b.tags, Counts: b.counts})
	b.mu.RUnlock()
	if err != nil {
		return fmt.Errorf("gateway: lot presence: %w", err)
	}
	if err := writeAtomic(path, data); err != nil {
		return fmt.Errorf("gateway: lot presence: %w", err)
	}
	return nil
}

// Load reads the tag part saved by Save; a missing file is an empty one. Tags at
// locations not in known are dropped (the location left the configuration).
func (b *Binder) Load(path string, known func(location string) bool) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("gateway: lot presence: %w", err)
	}
	var f presenceFile
	if err := json.Unmarshal(data, &f); err != nil || f.V != 1 {
		return fmt.Errorf("gateway: lot presence %s: not a version 1 presence file (%v)", path, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for loc, ts := range f.Tags {
		if !known(loc) || len(ts) == 0 {
			continue
		}
		b.tags[loc] = maps.Clone(ts)
		b.rebuild(loc)
	}
	for loc, c := range f.Counts {
		if !known(loc) || len(c) == 0 {
			continue
		}
		b.counts[loc] = maps.Clone(c)
		b.rebuild(loc)
	}
	return nil
}
