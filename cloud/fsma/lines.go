package fsma

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lotsense/lotsense/cloud/trace"
)

const (
	roleInput  = "Input"
	roleOutput = "Output"
)

// line is one row before it is cut into columns: one lot of one event, with what the
// registry knows of the lot, its product and the event's places.
type line struct {
	e    *trace.Event
	role string // transformation: roleInput or roleOutput
	q    trace.LotQuantity
	at   time.Time // the event's time in its own time zone

	product                    string
	lot                        trace.Lot
	tlcSource                  place
	location, shipFrom, shipTo place
	docTypes, docIDs           string
}

// quantity is the quantity as a number, or "" when unknown (zero without a unit).
func (l *line) quantity() any {
	if l.q.Quantity == 0 && l.q.Unit == "" {
		return ""
	}
	return l.q.Quantity
}

// place is a location description (business name and address) and its GLN.
type place struct{ desc, gln string }

// maxCached bounds each lookup cache; a cache that fills is emptied, so memory stays
// bounded whatever the number of lots in an export.
const maxCached = 10_000

// resolver looks up products, lots and places, remembering what it found.
type resolver struct {
	src      Source
	products map[string]string
	lots     map[string]trace.Lot
	places   map[string]place
	zones    map[string]*time.Location
}

func newResolver(src Source) *resolver {
	return &resolver{src: src, products: map[string]string{}, lots: map[string]trace.Lot{},
		places: map[string]place{}, zones: map[string]*time.Location{}}
}

func remember[V any](m map[string]V, k string, v V) {
	if len(m) >= maxCached {
		clear(m)
	}
	m[k] = v
}

func (r *resolver) product(ctx context.Context, gtin string) (string, error) {
	if d, ok := r.products[gtin]; ok {
		return d, nil
	}
	p, err := r.src.Product(ctx, gtin)
	if err != nil && !errors.Is(err, trace.ErrNotFound) {
		return "", fmt.Errorf("fsma: %w", err)
	}
	remember(r.products, gtin, p.Description)
	return p.Description, nil
}

func (r *resolver) lot(ctx context.Context, q trace.LotQuantity) (trace.Lot, error) {
	k := q.Key()
	if l, ok := r.lots[k]; ok {
		return l, nil
	}
	l, err := r.src.Lot(ctx, q.GTIN, q.Lot)
	if err != nil && !errors.Is(err, trace.ErrNotFound) {
		return l, fmt.Errorf("fsma: %w", err)
	}
	remember(r.lots, k, l)
	return l, nil
}

// place describes a GLN: "<site name>, <name>, <street>, <city>, <region> <postal
// code>, <country>" for a door or room of a site, without the site for the site
// itself or a party. A "site/key" place (no GLN yet) is described by itself; an
// unknown GLN by nothing (its GLN column still says it).
func (r *resolver) place(ctx context.Context, v string) (place, error) {
	if v == "" {
		return place{}, nil
	}
	if strings.Contains(v, "/") {
		return place{desc: v}, nil
	}
	if p, ok := r.places[v]; ok {
		return p, nil
	}
	loc, err := r.src.Location(ctx, v)
	if errors.Is(err, trace.ErrNotFound) {
		remember(r.places, v, place{gln: v})
		return place{gln: v}, nil
	}
	if err != nil {
		return place{}, fmt.Errorf("fsma: %w", err)
	}
	parts := []string{loc.Name}
	if loc.Parent != "" && loc.Parent != v {
		parent, err := r.src.Location(ctx, loc.Parent)
		if err != nil && !errors.Is(err, trace.ErrNotFound) {
			return place{}, fmt.Errorf("fsma: %w", err)
		}
		if parent.Name != "" {
			parts = []string{parent.Name, loc.Name}
		}
	}
	a := loc.Address
	parts = append(parts, a.Street, a.City, strings.TrimSpace(a.Region+" "+a.PostalCode), a.Country)
	p := place{desc: joinNonEmpty(", ", parts...), gln: v}
	remember(r.places, v, p)
	return p, nil
}

// at is t in the event's time zone ("+01:00"), UTC when it has none or a bad one.
func (r *resolver) at(t time.Time, zone string) time.Time {
	loc, ok := r.zones[zone]
	if !ok {
		loc = time.UTC
		if z, err := time.Parse("-07:00", zone); err == nil {
			_, off := z.Zone()
			loc = time.FixedZone(zone, off)
		}
		remember(r.zones, zone, loc)
	}
	return t.In(loc)
}

// lines calls fn for each line of e the selector selects, reusing one line.
func (r *resolver) lines(ctx context.Context, e *trace.Event, sel selector, fn func(*line) error) error {
	type part struct {
		role string
		lots []trace.LotQuantity
	}
	parts := []part{{"", e.Lots}}
	whole := false
	if e.Type == trace.Transformation {
		parts = []part{{roleInput, e.Inputs}, {roleOutput, e.Outputs}}
		whole = true // a transformation that touches a selected lot is written whole
	}
	var l line
	initialised := false
	for _, p := range parts {
		for _, q := range p.lots {
			if !whole && !sel.selects(q) {
				continue
			}
			if !initialised {
				if err := r.event(ctx, e, &l); err != nil {
					return err
				}
				initialised = true
			}
			if err := r.fill(ctx, &l, p.role, q); err != nil {
				return err
			}
			if err := fn(&l); err != nil {
				return err
			}
		}
	}
	return nil
}

// event fills the parts of l that are the event's.
func (r *resolver) event(ctx context.Context, e *trace.Event, l *line) error {
	*l = line{e: e, at: r.at(e.Time, e.TimeZone)}
	var err error
	if l.location, err = r.place(ctx, e.Location); err != nil {
		return err
	}
	if l.shipFrom, err = r.place(ctx, e.ShipFrom); err != nil {
		return err
	}
	if l.shipTo, err = r.place(ctx, e.ShipTo); err != nil {
		return err
	}
	switch e.Type {
	case trace.Receiving:
		if e.Location == "" { // received at the ship-to place
			l.location = l.shipTo
		}
	case trace.Shipping:
		if e.ShipFrom == "" { // shipped from where it happened
			l.shipFrom = l.location
		}
	}
	l.docTypes, l.docIDs = documents(e.Documents)
	return nil
}

// fill fills the parts of l that are the lot's.
func (r *resolver) fill(ctx context.Context, l *line, role string, q trace.LotQuantity) error {
	l.role, l.q = role, q
	var err error
	if l.product, err = r.product(ctx, q.GTIN); err != nil {
		return err
	}
	if l.lot, err = r.lot(ctx, q); err != nil {
		return err
	}
	l.tlcSource, err = r.place(ctx, l.lot.TLCSource)
	return err
}

// documentTypes names CBV business transaction types (21 CFR 1.1310 lists bills of
// lading, purchase orders, advance shipping notices, work orders, invoices…).
var documentTypes = map[string]string{
	"bol":       "Bill of lading",
	"cert":      "Certificate",
	"desadv":    "Advance shipping notice",
	"inv":       "Invoice",
	"pedigree":  "Pedigree",
	"po":        "Purchase order",
	"poc":       "Purchase order confirmation",
	"prodorder": "Production order",
	"recadv":    "Receiving advice",
	"rma":       "Return merchandise authorization",
	"testprd":   "Test procedure",
	"testres":   "Test result",
	"upevt":     "Upstream EPCIS event",
}

// DocumentType is the name the spreadsheet writes for a reference document type: a
// CBV short name (po), URN (urn:epcglobal:cbv:btt:po) or web URI
// (https://ref.gs1.org/cbv/BTT-po) becomes "Purchase order"; others are kept.
func DocumentType(t string) string {
	short := t
	for _, prefix := range []string{"urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-", "http://ref.gs1.org/cbv/BTT-"} {
		if s, ok := strings.CutPrefix(t, prefix); ok {
			short = s
			break
		}
	}
	if name, ok := documentTypes[short]; ok {
		return name
	}
	return t
}

// documents writes an event's reference documents as two cells, types and numbers
// each joined by "; " in the same order.
func documents(docs []trace.Document) (types, ids string) {
	if len(docs) == 0 {
		return "", ""
	}
	var t, n strings.Builder
	for i, d := range docs {
		if i > 0 {
			t.WriteString("; ")
			n.WriteString("; ")
		}
		t.WriteString(DocumentType(d.Type))
		n.WriteString(d.ID)
	}
	return t.String(), n.String()
}

func joinNonEmpty(sep string, parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(p)
	}
	return b.String()
}

// text is a cell's value as text, the same in CSV and as XLSX reads it back.
func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}
