package fleetsim

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/lotsense/lotsense/gateway/outbox"
)

// Expectation is what the cloud must contain once it has ingested everything the
// broker acknowledged: readings per gateway outbox, the lots, which lots must be on
// hold with an excursion; every other lot must not be.
type Expectation struct {
	Seed     uint64    `json:"seed"`
	Gateways int       `json:"gateways"`
	Sensors  int       `json:"sensors_per_gateway"`
	Rate     float64   `json:"rate"`  // readings per sensor per simulated second
	Speed    float64   `json:"speed"` // simulated seconds per wall-clock second
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Limit    float64   `json:"limit"`
	Delay    string    `json:"delay"`
	// Complete: every reading of the plan was generated and acknowledged. When false
	// (an interrupted run, a broker that did not acknowledge in time), a gateway's
	// Readings are those acknowledged and the cloud may hold up to its AtMost.
	Complete bool   `json:"complete"`
	Readings uint64 `json:"readings"`
	Events   uint64 `json:"events"`
	// Sources lists every gateway outbox with readings acknowledged, sorted by gateway.
	Sources []Source `json:"sources"`
	Lots    []string `json:"lots"`    // every lot the acknowledged messages carry, sorted
	OnHold  []string `json:"on_hold"` // the lots that must end on hold, sorted
	// Uncertain lots (interrupted runs only) may or may not be on hold.
	Uncertain  []string     `json:"uncertain,omitempty"`
	Excursions []*Excursion `json:"excursions"`
}

// Source is what the cloud must hold of one gateway outbox: sequence numbers MinSeq to
// MaxSeq, each once, no gap.
type Source struct {
	Site     string `json:"site"`
	Gateway  string `json:"gateway"`
	Epoch    string `json:"epoch"`
	Readings uint64 `json:"readings"`
	MinSeq   uint64 `json:"min_seq"`
	MaxSeq   uint64 `json:"max_seq"`
	AtMost   uint64 `json:"at_most,omitempty"` // readings sent, when not all were acknowledged
	Events   uint64 `json:"events,omitempty"`
}

// expectation works out what the cloud must hold after the run.
func expectation(p *Plan, sims []*simGateway) *Expectation {
	o := &p.opts
	e := &Expectation{Seed: o.Seed, Gateways: o.Gateways, Sensors: o.Sensors, Rate: o.Rate, Speed: o.Speed,
		Start: p.Start, End: p.End, Limit: o.Limit, Delay: o.Delay.String(), Complete: true,
		Lots: []string{}, OnHold: []string{}, Excursions: []*Excursion{}}
	for _, s := range sims {
		acked, sent := s.ob.Acked(outbox.Readings), s.ob.Next(outbox.Readings)-1
		events := s.ob.Acked(outbox.Events)
		e.Readings += acked
		e.Events += events
		complete := acked == p.Readings(s.g) && events == s.ob.Next(outbox.Events)-1
		e.Complete = e.Complete && complete
		if acked > 0 {
			src := Source{Site: s.g.Site, Gateway: s.g.ID, Epoch: s.g.Epoch, Readings: acked, MinSeq: 1, MaxSeq: acked, Events: events}
			if sent > acked {
				src.AtMost = sent
			}
			e.Sources = append(e.Sources, src)
		}
		e.Lots = append(e.Lots, s.lotsCarried(acked, events)...)
		for _, loc := range s.g.Locations {
			if loc.Warm == nil {
				continue
			}
			switch s.verdict(loc, acked, sent) {
			case held:
				e.OnHold = append(e.OnHold, loc.Lots...)
				e.Excursions = append(e.Excursions, loc.Warm)
			case maybe:
				e.Uncertain = append(e.Uncertain, loc.Lots...)
			}
		}
	}
	slices.Sort(e.Lots)
	slices.Sort(e.OnHold)
	slices.Sort(e.Uncertain)
	return e
}

// lotsCarried returns the lots of the locations whose sensors' readings 1..acked
// include one, and of the receiving events acknowledged.
func (s *simGateway) lotsCarried(acked, events uint64) []string {
	seen := make([]bool, len(s.g.Locations))
	for j := 0; j < len(s.g.Sensors) && uint64(j) < acked; j++ {
		seen[s.g.Sensors[j].Location] = true
	}
	var out []string
	n := uint64(0)
	for l, loc := range s.g.Locations {
		if len(loc.Lots) > 0 && n < events {
			seen[l] = true
			n++
		}
		if seen[l] {
			out = append(out, loc.Lots...)
		}
	}
	return out
}

type verdict int

const (
	notHeld verdict = iota // no reading above the limit reached the broker
	maybe                  // some did, but not certainly for the rule's delay
	held                   // the rule's delay certainly passed above the limit
)

// verdict tells what the cloud must conclude about loc's lots from readings 1..acked,
// when readings up to sent may have reached it too.
func (s *simGateway) verdict(loc *LocationPlan, acked, sent uint64) verdict {
	p, w := s.p, loc.Warm
	// Readings of every sensor of loc are above the limit from at most one interval
	// after From until at most one before To (Init made To-From at least the delay and
	// two intervals): certain once the delay and two intervals of them were acked.
	if acked == p.Readings(s.g) || acked > 0 && !s.seqTime(acked).Before(w.From.Add(p.opts.Delay+2*p.Interval)) {
		return held
	}
	if sent > 0 && !s.seqTime(sent).Before(w.From) {
		return maybe
	}
	return notHeld
}

// seqTime is the time of the reading with sequence number seq (1-based) of s.
func (s *simGateway) seqTime(seq uint64) time.Time {
	if seq == 0 {
		return time.Time{}
	}
	m := uint64(len(s.g.Sensors))
	k, j := (seq-1)/m, (seq-1)%m
	return s.p.readingTime(&s.g.Sensors[j], int(k))
}

// WriteFile writes e as indented JSON to name.
func (e *Expectation) WriteFile(name string) error {
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(name, append(b, '\n'), 0o644)
}

// ReadExpectation reads a file WriteFile wrote.
func ReadExpectation(name string) (*Expectation, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var e Expectation
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("fleetsim: %s: %w", name, err)
	}
	return &e, nil
}

// Summary writes what the cloud should contain, for a person.
func (e *Expectation) Summary(w io.Writer) {
	fmt.Fprintf(w, "expected in the cloud (seed %d, %s to %s):\n", e.Seed, e.Start.Format(time.RFC3339), e.End.Format(time.RFC3339))
	state := "complete"
	if !e.Complete {
		state = "INCOMPLETE: some readings were not acknowledged; counts are what was"
	}
	fmt.Fprintf(w, "  run %s\n", state)
	fmt.Fprintf(w, "  readings: %d from %d gateway outboxes, each seqs 1..N once, no gap", e.Readings, len(e.Sources))
	if len(e.Sources) > 0 {
		lo, hi := e.Sources[0].Readings, e.Sources[0].Readings
		for _, s := range e.Sources {
			lo, hi = min(lo, s.Readings), max(hi, s.Readings)
		}
		fmt.Fprintf(w, " (N = %d to %d per gateway)", lo, hi)
	}
	fmt.Fprintln(w)
	if e.Events > 0 {
		fmt.Fprintf(w, "  events: %d receiving\n", e.Events)
	}
	fmt.Fprintf(w, "  lots: %d; on hold with an excursion (above %g °C for %s): %d; every other lot released\n",
		len(e.Lots), e.Limit, e.Delay, len(e.OnHold))
	for _, x := range e.Excursions {
		fmt.Fprintf(w, "    %s/%s %s warm %s to %s: %d lots\n", x.Site, x.Gateway, x.Location,
			x.From.Format(time.RFC3339), x.To.Format(time.RFC3339), len(x.Lots))
	}
	if len(e.Uncertain) > 0 {
		fmt.Fprintf(w, "  uncertain (the run stopped during their excursion): %d lots\n", len(e.Uncertain))
	}
}
