package fsma

import (
	"context"
	"fmt"
	"time"

	"github.com/lotsense/lotsense/cloud/trace"
	"github.com/lotsense/lotsense/drivers/gs1"
)

// Source is what the spreadsheet reads: *trace.Store.
type Source interface {
	Events(ctx context.Context, f trace.EventFilter, fn func(*trace.Event) error) error
	Product(ctx context.Context, gtin string) (trace.Product, error)
	Location(ctx context.Context, gln string) (trace.Location, error)
	Lot(ctx context.Context, gtin, code string) (trace.Lot, error)
}

var _ Source = (*trace.Store)(nil)

// MaxLots bounds the lots of one request: each is a condition of the store's query.
const MaxLots = 10_000

// DefaultTypes are the critical tracking events FSMA 204 names that lotsense records,
// in the order of their sheets: initial packing (commissioning), receiving, shipping,
// transformation.
var DefaultTypes = []string{trace.Commissioning, trace.Receiving, trace.Shipping, trace.Transformation}

// AllTypes adds the sheets FSMA does not ask for but a recall uses: aggregation
// (what went on which pallet) and disposition (holds, releases, destruction).
var AllTypes = []string{trace.Commissioning, trace.Receiving, trace.Shipping, trace.Transformation, trace.Aggregation, trace.Disposition}

// Request says what the spreadsheet covers. Zero fields select everything.
type Request struct {
	// From ≤ event time < To.
	From, To time.Time
	// GTINs and Lots (lot keys, drivers/gs1.LotKey: "(01)<GTIN-14>(10)<lot>") select
	// the lots whose events are written. Given both, a lot must match both, as in
	// trace.EventFilter. Rows are written only for selected lots, except that a
	// transformation that used or made a selected lot is written whole (its inputs
	// and outputs are the key data elements of that lot's transformation).
	GTINs []string
	Lots  []string
	// Types are the event types, one sheet each, in this order; nil means
	// DefaultTypes. Known: those of AllTypes.
	Types []string
}

// Validate checks the request; its errors wrap trace.ErrInvalid. The writers call it
// before writing anything, so a handler can answer 400 on error.
func (r Request) Validate() error {
	if !r.From.IsZero() && !r.To.IsZero() && !r.From.Before(r.To) {
		return invalid("from %s is not before to %s", r.From.Format(time.RFC3339), r.To.Format(time.RFC3339))
	}
	for _, g := range r.GTINs {
		if err := gs1.ValidGTIN(g); err != nil {
			return invalid("gtin %q: %v", g, err)
		}
	}
	if len(r.Lots) > MaxLots {
		return invalid("%d lots, at most %d", len(r.Lots), MaxLots)
	}
	for _, k := range r.Lots {
		if _, _, err := gs1.ParseLotKey(k); err != nil {
			return invalid("lot %q: %v", k, err)
		}
	}
	seen := map[string]bool{}
	for _, t := range r.Types {
		if _, ok := sheets[t]; !ok {
			return invalid("type %q: want one of %v", t, AllTypes)
		}
		if seen[t] {
			return invalid("type %q given twice", t)
		}
		seen[t] = true
	}
	return nil
}

func (r Request) types() []string {
	if len(r.Types) == 0 {
		return DefaultTypes
	}
	return r.Types
}

// selector tells whether a lot of an event is selected by the request.
type selector struct {
	gtins map[string]bool
	lots  map[string]bool
}

func newSelector(gtins, lots []string) selector {
	var s selector
	if len(gtins) > 0 {
		s.gtins = make(map[string]bool, len(gtins))
		for _, g := range gtins {
			s.gtins[g] = true
		}
	}
	if len(lots) > 0 {
		s.lots = make(map[string]bool, len(lots))
		for _, k := range lots {
			s.lots[k] = true
		}
	}
	return s
}

func (s selector) selects(q trace.LotQuantity) bool {
	return (s.gtins == nil || s.gtins[q.GTIN]) && (s.lots == nil || s.lots[q.Key()])
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("fsma: "+format+": %w", append(args, trace.ErrInvalid)...)
}
