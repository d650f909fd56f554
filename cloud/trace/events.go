package trace

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/lotsense/lotsense/drivers/gs1"
)

// Bounds on one event, so a hostile or broken sender cannot make one event huge.
const (
	MaxLotsPerEvent = 10_000
	MaxEPCsPerEvent = 100_000
	maxText         = 1024
)

var eventTypes = []string{Commissioning, Receiving, Shipping, Transformation, Aggregation, Disposition, Observation}

// Dispositions (CBV) that take stock out of the ledger.
var removingDispositions = map[string]bool{"destroyed": true, "disposed": true}

// NewEventID returns a fresh urn:uuid: event id (version 4).
func NewEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return "urn:uuid:" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// validLocation accepts a GLN, or a lotsense place "site/key" not yet given one.
func validLocation(field, v string) error {
	if v == "" {
		return nil
	}
	if len(v) > maxText {
		return fmt.Errorf("%s: %d bytes, at most %d", field, len(v), maxText)
	}
	if strings.Contains(v, "/") {
		return nil
	}
	if err := gs1.ValidGLN(v); err != nil {
		return fmt.Errorf("%s %q: want a GLN or site/location: %v", field, v, err)
	}
	return nil
}

func checkQuantities(field string, lots []LotQuantity) error {
	for i, l := range lots {
		if err := checkLot(l.GTIN, l.Lot); err != nil {
			return fmt.Errorf("%s[%d]: %w", field, i, err)
		}
		if l.Quantity < 0 || math.IsNaN(l.Quantity) || math.IsInf(l.Quantity, 0) {
			return fmt.Errorf("%s[%d] %s/%s: quantity %g, want a finite number ≥ 0", field, i, l.GTIN, l.Lot, l.Quantity)
		}
		if l.Quantity > 0 && l.Unit == "" {
			return fmt.Errorf("%s[%d] %s/%s: quantity %g without a unit", field, i, l.GTIN, l.Lot, l.Quantity)
		}
	}
	return nil
}

// Validate checks an event has what its type needs. The error names the field.
func (e *Event) Validate() error {
	err := e.validate()
	if err != nil {
		return fmt.Errorf("trace: event %s (%s): %v: %w", e.EventID, e.Type, err, ErrInvalid)
	}
	return nil
}

func (e *Event) validate() error {
	known := false
	for _, t := range eventTypes {
		known = known || e.Type == t
	}
	switch {
	case !known:
		return fmt.Errorf("type %q, want one of %s", e.Type, strings.Join(eventTypes, ", "))
	case e.EventID == "" || len(e.EventID) > maxText:
		return fmt.Errorf("event_id: want 1 to %d bytes", maxText)
	case e.Time.IsZero():
		return errors.New("time missing")
	case len(e.Lots)+len(e.Inputs)+len(e.Outputs) > MaxLotsPerEvent:
		return fmt.Errorf("%d lots, at most %d", len(e.Lots)+len(e.Inputs)+len(e.Outputs), MaxLotsPerEvent)
	case len(e.EPCs) > MaxEPCsPerEvent:
		return fmt.Errorf("%d EPCs, at most %d", len(e.EPCs), MaxEPCsPerEvent)
	}
	if e.TimeZone != "" {
		if _, err := time.Parse("-07:00", e.TimeZone); err != nil {
			return fmt.Errorf("time_zone %q, want ±hh:mm", e.TimeZone)
		}
	}
	switch e.Action {
	case "", ActionAdd, ActionObserve, ActionDelete:
	default:
		return fmt.Errorf("action %q, want ADD, OBSERVE or DELETE", e.Action)
	}
	for _, f := range []struct{ name, v string }{{"location", e.Location}, {"read_point", e.ReadPoint}, {"ship_from", e.ShipFrom}, {"ship_to", e.ShipTo}} {
		if err := validLocation(f.name, f.v); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		lots []LotQuantity
	}{{"lots", e.Lots}, {"inputs", e.Inputs}, {"outputs", e.Outputs}} {
		if err := checkQuantities(f.name, f.lots); err != nil {
			return err
		}
	}
	for i, epc := range e.EPCs {
		if epc == "" || len(epc) > maxText {
			return fmt.Errorf("epcs[%d]: want 1 to %d bytes", i, maxText)
		}
	}
	for i, d := range e.Documents {
		if d.Type == "" || d.ID == "" || len(d.Type)+len(d.ID) > maxText {
			return fmt.Errorf("documents[%d]: want a type and an id", i)
		}
	}
	switch e.Type {
	case Transformation:
		if len(e.Inputs) == 0 || len(e.Outputs) == 0 {
			return errors.New("a transformation needs inputs and outputs")
		}
		if len(e.Lots) > 0 {
			return errors.New("a transformation has inputs and outputs, not lots")
		}
	case Aggregation:
		if e.Parent == "" {
			return errors.New("an aggregation needs a parent (the pallet's SSCC)")
		}
		if e.Action == "" {
			return errors.New("an aggregation needs an action: ADD, OBSERVE or DELETE")
		}
		if len(e.Inputs)+len(e.Outputs) > 0 {
			return errors.New("an aggregation has lots and EPCs, not inputs or outputs")
		}
	default:
		if len(e.Lots) == 0 && len(e.EPCs) == 0 {
			return fmt.Errorf("a %s event needs lots or EPCs", e.Type)
		}
		if len(e.Inputs)+len(e.Outputs) > 0 {
			return fmt.Errorf("a %s event has lots, not inputs or outputs", e.Type)
		}
	}
	return nil
}

// Record stores e unless an event with its EventID is stored already (recorded
// tells which); it creates the lots it names, and updates the lot graph, the stock
// ledger, pallet contents and instance-to-lot associations. An empty EventID is
// given a fresh one; an empty TimeZone is "+00:00".
func (s *Store) Record(ctx context.Context, e *Event) (recorded bool, err error) {
	if e.EventID == "" {
		e.EventID = NewEventID()
	}
	if e.TimeZone == "" {
		e.TimeZone = "+00:00"
	}
	if e.Type == Aggregation && e.Action == "" {
		e.Action = ActionAdd
	}
	if err := e.Validate(); err != nil {
		return false, err
	}
	e.Time = e.Time.UTC()
	if e.Recorded.IsZero() {
		e.Recorded = s.now().UTC()
	}
	err = s.inTx(ctx, func(x q) error {
		var err error
		recorded, err = s.record(ctx, x, e)
		return err
	})
	return recorded, err
}

// RecordAll records events in one transaction and returns how many were new.
func (s *Store) RecordAll(ctx context.Context, events []*Event) (int, error) {
	return s.RecordAllAt(ctx, events, "", 0)
}

// Cursor returns a follower's position (0 before its first RecordAllAt).
func (s *Store) Cursor(ctx context.Context, name string) (int64, error) {
	var pos int64
	err := s.rq().row(ctx, `SELECT position FROM tr_cursors WHERE name = ?`, name).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("trace: cursor %s: %w", name, err)
	}
	return pos, nil
}

// RecordAllAt records events and moves the follower cursor to pos in the same
// transaction, so a follower that stops at any point resumes exactly after what it
// recorded. An empty cursor name records only.
func (s *Store) RecordAllAt(ctx context.Context, events []*Event, cursor string, pos int64) (int, error) {
	for _, e := range events {
		if e.EventID == "" {
			e.EventID = NewEventID()
		}
		if e.TimeZone == "" {
			e.TimeZone = "+00:00"
		}
		if e.Type == Aggregation && e.Action == "" {
			e.Action = ActionAdd
		}
		if err := e.Validate(); err != nil {
			return 0, err
		}
		e.Time = e.Time.UTC()
		if e.Recorded.IsZero() {
			e.Recorded = s.now().UTC()
		}
	}
	n := 0
	err := s.inTx(ctx, func(x q) error {
		n = 0
		for _, e := range events {
			ok, err := s.record(ctx, x, e)
			if err != nil {
				return err
			}
			if ok {
				n++
			}
		}
		if cursor == "" {
			return nil
		}
		if _, err := x.exec(ctx, `INSERT INTO tr_cursors (name, position) VALUES (?, ?)
ON CONFLICT (name) DO UPDATE SET position = excluded.position`, cursor, pos); err != nil {
			return fmt.Errorf("trace: cursor %s: %w", cursor, err)
		}
		return nil
	})
	return n, err
}

func (s *Store) record(ctx context.Context, x q, e *Event) (bool, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return false, fmt.Errorf("trace: encode event %s: %w", e.EventID, err)
	}
	site := e.Site
	err = x.row(ctx, `INSERT INTO tr_events (event_id, type, time, recorded, site, location, ship_from, ship_to, source, body)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING RETURNING id`,
		e.EventID, e.Type, micros(e.Time), micros(e.Recorded), site, e.Location, e.ShipFrom, e.ShipTo, e.Source, string(body)).Scan(&e.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // recorded before
	}
	if err != nil {
		return false, fmt.Errorf("trace: record event %s: %w", e.EventID, err)
	}
	ids := map[string]int64{}
	lotID := func(l LotQuantity, role string) (int64, error) {
		k := l.Key()
		if id, ok := ids[k]; ok {
			return id, nil
		}
		source := ""
		if (e.Type == Commissioning && role == "lot") || (e.Type == Transformation && role == "out") {
			// The event that makes a lot tells where its code comes from,
			// unless the registry already knows.
			source = gln(e.Location)
		}
		id, err := eventLot(ctx, x, l.GTIN, l.Lot, source)
		ids[k] = id
		return id, err
	}
	add := func(role string, lots []LotQuantity, sign float64, place string) ([]int64, error) {
		out := make([]int64, 0, len(lots))
		for _, l := range lots {
			id, err := lotID(l, role)
			if err != nil {
				return nil, err
			}
			out = append(out, id)
			if _, err := x.exec(ctx, `INSERT INTO tr_event_lots (event_id, lot_id, role, quantity, unit) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (event_id, lot_id, role) DO UPDATE SET quantity = tr_event_lots.quantity + excluded.quantity`,
				e.ID, id, role, l.Quantity, l.Unit); err != nil {
				return nil, fmt.Errorf("trace: record event %s lot %s: %w", e.EventID, l.Key(), err)
			}
			if sign != 0 && l.Quantity > 0 && place != "" {
				if _, err := x.exec(ctx, `INSERT INTO tr_ledger (event_id, lot_id, site, location, time, delta, unit) VALUES (?, ?, ?, ?, ?, ?, ?)`,
					e.ID, id, siteOf(site, place), place, micros(e.Time), sign*l.Quantity, l.Unit); err != nil {
					return nil, fmt.Errorf("trace: record event %s stock of %s: %w", e.EventID, l.Key(), err)
				}
			}
		}
		return out, nil
	}
	place, err := stockPlace(ctx, x, e.Location)
	if err != nil {
		return false, err
	}
	switch e.Type {
	case Commissioning, Receiving:
		if place == "" {
			if place, err = stockPlace(ctx, x, e.ShipTo); err != nil {
				return false, err
			}
		}
		_, err = add("lot", e.Lots, +1, place)
	case Shipping:
		if place == "" {
			if place, err = stockPlace(ctx, x, e.ShipFrom); err != nil {
				return false, err
			}
		}
		_, err = add("lot", e.Lots, -1, place)
	case Disposition:
		sign := 0.0
		if removingDispositions[e.Disposition] {
			sign = -1
		}
		_, err = add("lot", e.Lots, sign, place)
	case Transformation:
		var in, out []int64
		if in, err = add("in", e.Inputs, -1, place); err != nil {
			return false, err
		}
		if out, err = add("out", e.Outputs, +1, place); err != nil {
			return false, err
		}
		for _, i := range in {
			for _, o := range out {
				if i == o {
					continue
				}
				if _, err := x.exec(ctx, `INSERT INTO tr_lot_edges (input_id, output_id, event_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, i, o, e.ID); err != nil {
					return false, fmt.Errorf("trace: record event %s lot graph: %w", e.EventID, err)
				}
			}
		}
	default: // aggregation, observation: no stock moves
		_, err = add("lot", e.Lots, 0, "")
	}
	if err != nil {
		return false, err
	}
	if err := s.recordInstances(ctx, x, e, ids); err != nil {
		return false, err
	}
	return true, nil
}

// eventLot returns the id of an event's lot, registering it when new; source, when
// given, becomes its TLC source unless one is recorded. Most events name known lots:
// they cost one indexed read, no write.
func eventLot(ctx context.Context, x q, gtin, code, source string) (int64, error) {
	var (
		id  int64
		cur string
	)
	err := x.row(ctx, `SELECT id, tlc_source FROM tr_lots WHERE gtin = ? AND code = ?`, gtin, code).Scan(&id, &cur)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return putLot(ctx, x, &Lot{GTIN: gtin, Code: code, TLCSource: source})
	case err != nil:
		return 0, fmt.Errorf("trace: lot %s/%s: %w", gtin, code, err)
	case source != "" && cur == "":
		if _, err := x.exec(ctx, `UPDATE tr_lots SET tlc_source = ? WHERE id = ?`, source, id); err != nil {
			return 0, fmt.Errorf("trace: lot %s/%s: %w", gtin, code, err)
		}
	}
	return id, nil
}

// recordInstances keeps instance-to-lot associations and pallet contents: EPCs
// commissioned with exactly one lot belong to it; an aggregation ADD puts its EPCs
// and lots on the parent, DELETE takes them off (all of them when it names none).
func (s *Store) recordInstances(ctx context.Context, x q, e *Event, ids map[string]int64) error {
	if e.Type == Commissioning && len(e.Lots) == 1 {
		id := ids[e.Lots[0].Key()]
		for _, epc := range e.EPCs {
			if _, err := x.exec(ctx, `INSERT INTO tr_epc_lots (epc, lot_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, epc, id); err != nil {
				return fmt.Errorf("trace: record event %s: associate %s: %w", e.EventID, epc, err)
			}
		}
	}
	if e.Type != Aggregation {
		return nil
	}
	children := make([]string, 0, len(e.EPCs)+len(e.Lots))
	children = append(children, e.EPCs...)
	for _, l := range e.Lots {
		children = append(children, l.Key())
	}
	switch e.Action {
	case ActionAdd:
		for _, c := range children {
			if _, err := x.exec(ctx, `INSERT INTO tr_contents (parent, child, event_id) VALUES (?, ?, ?)
ON CONFLICT (parent, child) DO UPDATE SET event_id = excluded.event_id`, e.Parent, c, e.ID); err != nil {
				return fmt.Errorf("trace: record event %s: put %s on %s: %w", e.EventID, c, e.Parent, err)
			}
		}
	case ActionDelete:
		if len(children) == 0 {
			if _, err := x.exec(ctx, `DELETE FROM tr_contents WHERE parent = ?`, e.Parent); err != nil {
				return fmt.Errorf("trace: record event %s: empty %s: %w", e.EventID, e.Parent, err)
			}
		}
		for _, c := range children {
			if _, err := x.exec(ctx, `DELETE FROM tr_contents WHERE parent = ? AND child = ?`, e.Parent, c); err != nil {
				return fmt.Errorf("trace: record event %s: take %s off %s: %w", e.EventID, c, e.Parent, err)
			}
		}
	}
	return nil
}

// stockPlace is where stock at place is counted: the site a registered door, room
// or truck belongs to (its parent), else place itself. Counting per site spares
// recording every move between rooms; where in the site a lot is now is the cloud
// store's lot location, kept by the gateways' presence tracking.
func stockPlace(ctx context.Context, x q, place string) (string, error) {
	if place == "" || strings.Contains(place, "/") {
		return place, nil
	}
	var parent string
	err := x.row(ctx, `SELECT parent FROM tr_locations WHERE gln = ?`, place).Scan(&parent)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && parent == "") {
		return place, nil
	}
	if err != nil {
		return "", fmt.Errorf("trace: place %s: %w", place, err)
	}
	return parent, nil
}

// gln returns v when it is a GLN, "" for a site/key place.
func gln(v string) string {
	if strings.Contains(v, "/") {
		return ""
	}
	return v
}

// siteOf is the site a stock row belongs to: the event's, else the site part of a
// site/key place.
func siteOf(site, place string) string {
	if site != "" {
		return site
	}
	if s, _, ok := strings.Cut(place, "/"); ok {
		return s
	}
	return ""
}

// EventFilter selects events. Zero fields select everything.
type EventFilter struct {
	From, To time.Time // From ≤ time < To
	Types    []string
	GTINs    []string
	Lots     []string // lot keys (drivers/gs1.LotKey)
	AfterID  int64    // only events with a larger store id (paging, followers)
	Limit    int
}

// Events calls fn for each event f selects, in time order (then store id), without
// holding them all in memory. fn's error stops the walk and is returned.
func (s *Store) Events(ctx context.Context, f EventFilter, fn func(*Event) error) error {
	var (
		where []string
		args  []any
	)
	if !f.From.IsZero() {
		where, args = append(where, "e.time >= ?"), append(args, micros(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "e.time < ?"), append(args, micros(f.To))
	}
	if f.AfterID > 0 {
		where, args = append(where, "e.id > ?"), append(args, f.AfterID)
	}
	if len(f.Types) > 0 {
		where = append(where, "e.type IN ("+placeholders(len(f.Types))+")")
		for _, t := range f.Types {
			args = append(args, t)
		}
	}
	if len(f.GTINs) > 0 || len(f.Lots) > 0 {
		var lotWhere []string
		if len(f.GTINs) > 0 {
			lotWhere = append(lotWhere, "l.gtin IN ("+placeholders(len(f.GTINs))+")")
			for _, g := range f.GTINs {
				args = append(args, g)
			}
		}
		if len(f.Lots) > 0 {
			// Lots as their ids: one flat IN list, however many (a condition per
			// lot would make SQLite's expression tree too deep).
			ids, err := s.knownLotIDs(ctx, f.Lots)
			if err != nil {
				return err
			}
			if len(ids) == 0 {
				return nil // none of them recorded: no events
			}
			lotWhere = append(lotWhere, "el.lot_id IN ("+placeholders(len(ids))+")")
			for _, id := range ids {
				args = append(args, id)
			}
		}
		where = append(where, `e.id IN (SELECT el.event_id FROM tr_event_lots el JOIN tr_lots l ON l.id = el.lot_id WHERE `+strings.Join(lotWhere, " AND ")+`)`)
	}
	query := `SELECT e.id, e.body FROM tr_events e`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	if f.AfterID > 0 {
		query += " ORDER BY e.id"
	} else {
		query += " ORDER BY e.time, e.id"
	}
	if f.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.rq().query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("trace: events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   int64
			body string
		)
		if err := rows.Scan(&id, &body); err != nil {
			return fmt.Errorf("trace: events: %w", err)
		}
		e, err := decodeEvent(id, body)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// knownLotIDs resolves lot keys to store ids, leaving out lots never recorded.
func (s *Store) knownLotIDs(ctx context.Context, keys []string) ([]int64, error) {
	ids := make([]int64, 0, len(keys))
	for _, k := range keys {
		g, c, err := gs1.ParseLotKey(k)
		if err != nil {
			return nil, invalid("event filter: %v", err)
		}
		var id int64
		err = s.rq().row(ctx, `SELECT id FROM tr_lots WHERE gtin = ? AND code = ?`, g, c).Scan(&id)
		switch {
		case err == nil:
			ids = append(ids, id)
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("trace: lot %s: %w", k, err)
		}
	}
	return ids, nil
}

// Event returns the event with global id eventID, or ErrNotFound.
func (s *Store) Event(ctx context.Context, eventID string) (*Event, error) {
	var (
		id   int64
		body string
	)
	err := s.rq().row(ctx, `SELECT id, body FROM tr_events WHERE event_id = ?`, eventID).Scan(&id, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("trace: event %s: %w", eventID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("trace: event %s: %w", eventID, err)
	}
	return decodeEvent(id, body)
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// SetCursor sets a named position (followers' cursors, marks of what was done).
func (s *Store) SetCursor(ctx context.Context, name string, pos int64) error {
	if _, err := s.wq().exec(ctx, `INSERT INTO tr_cursors (name, position) VALUES (?, ?)
ON CONFLICT (name) DO UPDATE SET position = excluded.position`, name, pos); err != nil {
		return fmt.Errorf("trace: cursor %s: %w", name, err)
	}
	return nil
}
