package trace

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/lotsense/lotsense/drivers/gs1"
)

// Directions of a trace.
const (
	Forward  = "forward"  // where lots went, and the lots made from them
	Backward = "backward" // where lots came from, and the lots they were made from
)

// maxDepth bounds a trace through transformations; real supply chains are far
// shallower, and the bound keeps a corrupt (cyclic) graph from running forever.
const maxDepth = 64

// chunk is how many ids go in one IN (…) list.
const chunk = 500

// TraceLot is a lot reached by a trace: Depth 0 for a lot asked about, 1 for lots
// made from it (forward) or that went into it (backward), and so on; Via lists the
// keys of the lots it was reached from.
type TraceLot struct {
	Lot   Lot      `json:"lot"`
	Key   string   `json:"key"`
	Depth int      `json:"depth"`
	Via   []string `json:"via,omitempty"`
}

// Trace is the answer to "where did these lots go" or "what went into them".
type Trace struct {
	Direction string     `json:"direction"`
	Lots      []TraceLot `json:"lots"`
	// Events concern any lot of the trace, in time order.
	Events []*Event `json:"events"`
	// Locations are every place and party the lots were at, were shipped to
	// (forward) or came from (backward), by GLN (or site/key), sorted.
	Locations []string `json:"locations"`
	// Parties are the registered customers (forward) or suppliers (backward) among
	// them.
	Parties []Location `json:"parties"`
}

type lotRef struct {
	id    int64
	depth int
	via   []int64
}

// lotIDs resolves lot keys to store ids; an unknown lot is ErrNotFound, a malformed
// key ErrInvalid.
func (s *Store) lotIDs(ctx context.Context, keys []string) ([]int64, error) {
	ids := make([]int64, 0, len(keys))
	for _, k := range keys {
		g, c, err := gs1.ParseLotKey(k)
		if err != nil {
			return nil, invalid("%v", err)
		}
		var id int64
		if err := s.rq().row(ctx, `SELECT id FROM tr_lots WHERE gtin = ? AND code = ?`, g, c).Scan(&id); err != nil {
			return nil, fmt.Errorf("trace: lot %s: %w", k, ErrNotFound)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// closure walks the lot graph from start, level by level, in direction.
func (s *Store) closure(ctx context.Context, start []int64, direction string) (map[int64]*lotRef, []int64, error) {
	from, to := "input_id", "output_id"
	if direction == Backward {
		from, to = to, from
	}
	seen := map[int64]*lotRef{}
	var order []int64
	frontier := make([]int64, 0, len(start))
	for _, id := range start {
		if seen[id] == nil {
			seen[id] = &lotRef{id: id}
			order = append(order, id)
			frontier = append(frontier, id)
		}
	}
	for depth := 1; len(frontier) > 0 && depth <= maxDepth; depth++ {
		var next []int64
		for part := range slices.Chunk(frontier, chunk) {
			args := make([]any, len(part))
			for i, id := range part {
				args[i] = id
			}
			rows, err := s.rq().query(ctx, `SELECT DISTINCT `+from+`, `+to+` FROM tr_lot_edges WHERE `+from+` IN (`+placeholders(len(part))+`)`, args...)
			if err != nil {
				return nil, nil, fmt.Errorf("trace: lot graph: %w", err)
			}
			for rows.Next() {
				var a, b int64
				if err := rows.Scan(&a, &b); err != nil {
					rows.Close()
					return nil, nil, fmt.Errorf("trace: lot graph: %w", err)
				}
				r := seen[b]
				if r == nil {
					r = &lotRef{id: b, depth: depth}
					seen[b] = r
					order = append(order, b)
					next = append(next, b)
				}
				if r.depth == depth && !slices.Contains(r.via, a) {
					r.via = append(r.via, a)
				}
			}
			if err := rows.Close(); err != nil {
				return nil, nil, fmt.Errorf("trace: lot graph: %w", err)
			}
		}
		frontier = next
	}
	return seen, order, nil
}

// lotsByID loads lots by store id.
func (s *Store) lotsByID(ctx context.Context, ids []int64) (map[int64]Lot, error) {
	out := make(map[int64]Lot, len(ids))
	for part := range slices.Chunk(ids, chunk) {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := s.rq().query(ctx, `SELECT `+lotColumns+` FROM tr_lots WHERE id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("trace: lots: %w", err)
		}
		for rows.Next() {
			id, l, err := scanLot(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("trace: lots: %w", err)
			}
			out[id] = l
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("trace: lots: %w", err)
		}
	}
	return out, nil
}

// eventsOfLots returns the events that concern any of ids, in time order.
func (s *Store) eventsOfLots(ctx context.Context, ids []int64) ([]*Event, error) {
	byID := map[int64]*Event{}
	for part := range slices.Chunk(ids, chunk) {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := s.rq().query(ctx, `SELECT e.id, e.body FROM tr_events e WHERE e.id IN
(SELECT event_id FROM tr_event_lots WHERE lot_id IN (`+placeholders(len(part))+`))`, args...)
		if err != nil {
			return nil, fmt.Errorf("trace: events of lots: %w", err)
		}
		for rows.Next() {
			var (
				id   int64
				body string
			)
			if err := rows.Scan(&id, &body); err != nil {
				rows.Close()
				return nil, fmt.Errorf("trace: events of lots: %w", err)
			}
			if byID[id] != nil {
				continue
			}
			e, err := decodeEvent(id, body)
			if err != nil {
				rows.Close()
				return nil, err
			}
			byID[id] = e
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("trace: events of lots: %w", err)
		}
	}
	out := make([]*Event, 0, len(byID))
	for _, e := range byID {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *Event) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Trace follows lots (keys made by drivers/gs1.LotKey) in direction through every
// transformation and returns the lots reached, their events, and the places and
// parties they touched.
func (s *Store) Trace(ctx context.Context, direction string, keys []string) (*Trace, error) {
	if direction != Forward && direction != Backward {
		return nil, invalid("trace direction %q, want forward or backward", direction)
	}
	if len(keys) == 0 {
		return nil, invalid("trace: no lots given")
	}
	start, err := s.lotIDs(ctx, keys)
	if err != nil {
		return nil, err
	}
	seen, order, err := s.closure(ctx, start, direction)
	if err != nil {
		return nil, err
	}
	lots, err := s.lotsByID(ctx, order)
	if err != nil {
		return nil, err
	}
	t := &Trace{Direction: direction, Lots: make([]TraceLot, 0, len(order))}
	for _, id := range order {
		r, l := seen[id], lots[id]
		tl := TraceLot{Lot: l, Key: l.Key(), Depth: r.depth}
		for _, v := range r.via {
			from := lots[v]
			tl.Via = append(tl.Via, from.Key())
		}
		t.Lots = append(t.Lots, tl)
	}
	if t.Events, err = s.eventsOfLots(ctx, order); err != nil {
		return nil, err
	}
	places := map[string]bool{}
	for _, e := range t.Events {
		for _, p := range []string{e.Location, e.ReadPoint} {
			if p != "" {
				places[p] = true
			}
		}
		if direction == Forward && e.ShipTo != "" {
			places[e.ShipTo] = true
		}
		if direction == Backward && e.ShipFrom != "" {
			places[e.ShipFrom] = true
		}
	}
	for p := range places {
		t.Locations = append(t.Locations, p)
	}
	slices.Sort(t.Locations)
	want := KindCustomer
	if direction == Backward {
		want = KindSupplier
	}
	for _, p := range t.Locations {
		if strings.Contains(p, "/") {
			continue
		}
		l, err := s.Location(ctx, p)
		if err == nil && l.Kind == want {
			t.Parties = append(t.Parties, l)
		}
	}
	return t, nil
}

func decodeEvent(id int64, body string) (*Event, error) {
	e := new(Event)
	if err := json.Unmarshal([]byte(body), e); err != nil {
		return nil, fmt.Errorf("trace: event %d: decode: %w", id, err)
	}
	e.ID = id
	return e, nil
}
