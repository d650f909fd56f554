package rules

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// SnapshotVersion is the version of the snapshot format Snapshot writes and Restore reads.
const SnapshotVersion = 1

// snapshot is the JSON form of an Engine (see README.md, "Snapshots").
type snapshot struct {
	Version     int         `json:"version"`
	Profile     string      `json:"profile"`
	Fingerprint string      `json:"fingerprint"`
	Quantities  []Quantity  `json:"quantities"`
	Base        int64       `json:"base"`
	Checkpoint  checkpoint  `json:"checkpoint"`
	Closed      []closedRec `json:"closed"`
	History     history     `json:"history"`
}

// history marshals as [[Δt ns, quantity index (-1 for Advance), value, good 0|1], …],
// Δt from the previous entry (the first one's time in Unix nanoseconds).
type history []entry

func (h history) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+len(h)*28)
	b = append(b, '[')
	var prev int64
	for k, x := range h {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, x.t-prev, 10)
		b = append(b, ',')
		q := int64(x.q)
		if x.q == tickQ {
			q = -1
		}
		b = strconv.AppendInt(b, q, 10)
		b = append(b, ',')
		b = strconv.AppendFloat(b, x.v, 'g', -1, 64)
		b = append(b, ',')
		b = strconv.AppendBool(b, x.good)
		b = append(b, ']')
		prev = x.t
	}
	return append(b, ']'), nil
}

func (h *history) UnmarshalJSON(b []byte) error {
	p := histParser{b: b}
	*h = (*h)[:0]
	p.expect('[')
	if p.peek() == ']' {
		p.i++
		return p.err
	}
	var t int64
	for p.err == nil {
		p.expect('[')
		dt := p.int()
		p.expect(',')
		q := p.int()
		p.expect(',')
		v := p.float()
		p.expect(',')
		good := p.bool()
		p.expect(']')
		if p.err != nil {
			break
		}
		if q < -1 || q >= tickQ {
			return fmt.Errorf("history[%d]: quantity index %d", len(*h), q)
		}
		t += dt
		x := entry{t: t, v: v, good: good, q: tickQ}
		if q >= 0 {
			x.q = uint16(q)
		}
		*h = append(*h, x)
		if p.peek() == ']' {
			p.i++
			break
		}
		p.expect(',')
	}
	if p.err != nil {
		return fmt.Errorf("history[%d]: %w", len(*h), p.err)
	}
	return nil
}

// histParser reads the history's rows of numbers without a generic JSON decoder.
type histParser struct {
	b   []byte
	i   int
	err error
}

func (p *histParser) peek() byte {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\n' || p.b[p.i] == '\t' || p.b[p.i] == '\r') {
		p.i++
	}
	if p.i == len(p.b) {
		return 0
	}
	return p.b[p.i]
}

func (p *histParser) expect(c byte) {
	if p.err == nil && p.peek() != c {
		p.err = fmt.Errorf("want %q at byte %d", c, p.i)
	}
	p.i++
}

func (p *histParser) token() string {
	p.peek()
	j := p.i
	for j < len(p.b) && p.b[j] != ',' && p.b[j] != ']' && p.b[j] != ' ' {
		j++
	}
	s := string(p.b[p.i:j])
	p.i = j
	return s
}

func (p *histParser) int() int64 {
	if p.err != nil {
		return 0
	}
	v, err := strconv.ParseInt(p.token(), 10, 64)
	p.err = err
	return v
}

func (p *histParser) float() float64 {
	if p.err != nil {
		return 0
	}
	v, err := strconv.ParseFloat(p.token(), 64)
	p.err = err
	return v
}

func (p *histParser) bool() bool {
	if p.err != nil {
		return false
	}
	v, err := strconv.ParseBool(p.token())
	p.err = err
	return v
}

// fingerprint identifies the rules (with defaults) an engine runs; the profile's
// description does not count.
func (e *Engine) fingerprint() string {
	b, _ := json.Marshal(e.profile.Rules)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// Snapshot saves the engine as versioned JSON: its oldest checkpoint, the history from
// there, and the closed excursions older than it. Restore replays the history from
// the checkpoint, which gives exactly the state the engine has now.
func (e *Engine) Snapshot() ([]byte, error) {
	ck := e.cks[0]
	c := slices.IndexFunc(e.closed, func(c closedRec) bool { return c.At >= ck.Pos })
	if c < 0 {
		c = len(e.closed)
	}
	s := snapshot{
		Version: SnapshotVersion, Profile: e.profile.Name, Fingerprint: e.fingerprint(),
		Quantities: e.qnames, Base: e.base, Checkpoint: ck, Closed: e.closed[:c], History: e.hist,
	}
	return json.Marshal(s)
}

// Restore replaces the engine's state with a snapshot taken by an engine of the same
// profile. The replay reports no changes: they were reported before the snapshot.
func (e *Engine) Restore(data []byte) error {
	var s snapshot
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&s); err != nil {
		return fmt.Errorf("rules: snapshot: %w", err)
	}
	if s.Version != SnapshotVersion {
		return fmt.Errorf("rules: snapshot version %d; this engine reads version %d", s.Version, SnapshotVersion)
	}
	if fp := e.fingerprint(); s.Fingerprint != fp || s.Profile != e.profile.Name {
		return fmt.Errorf("rules: snapshot of profile %q (fingerprint %s) does not fit this engine's profile %q (fingerprint %s)",
			s.Profile, s.Fingerprint, e.profile.Name, fp)
	}
	if err := e.checkSnapshot(&s); err != nil {
		return fmt.Errorf("rules: snapshot: %w", err)
	}
	e.hist, e.base = s.History, s.Base
	e.cks = []checkpoint{s.Checkpoint}
	e.closed = s.Closed
	e.st = s.Checkpoint.St.clone()
	e.emitting, e.changes = false, nil
	e.replay(s.Checkpoint.Pos)
	return nil
}

func (e *Engine) checkSnapshot(s *snapshot) error {
	if !slices.Equal(s.Quantities, e.qnames) {
		return fmt.Errorf("quantities %v, this engine has %v", s.Quantities, e.qnames)
	}
	st := &s.Checkpoint.St
	if len(st.Q) != len(e.qnames) || len(st.R) != len(e.rules) {
		return errors.New("state does not match the profile's quantities and rules")
	}
	end := s.Base + int64(len(s.History))
	// A window's tail may point before the base only at a reading that has no good
	// reading of its quantity after it before the base (see nextGood).
	if p := s.Checkpoint.Pos; p < s.Base || p > end {
		return fmt.Errorf("checkpoint at %d outside the history [%d, %d]", p, s.Base, end)
	}
	for k, x := range s.History {
		if x.q != tickQ && int(x.q) >= len(e.qnames) {
			return fmt.Errorf("history[%d]: quantity index %d out of range", k, x.q)
		}
		if k > 0 && !s.History[k-1].less(x) {
			return fmt.Errorf("history[%d] is not after history[%d]", k, k-1)
		}
	}
	for _, c := range s.Closed {
		if c.Rule < 0 || c.Rule >= len(e.rules) {
			return fmt.Errorf("closed excursion of rule %d out of range", c.Rule)
		}
	}
	return nil
}
