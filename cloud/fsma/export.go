package fsma

import (
	"context"
	"slices"

	"github.com/lotsense/lotsense/cloud/trace"
)

// export is one run of the spreadsheet over a source.
type export struct {
	src    Source
	req    Request
	res    *resolver
	groups []group
	// groupOf tells the group of each selected lot, when there are several groups.
	groupOf map[string]int
}

// group is a query's share of the request's lots, and the selector for them.
type group struct {
	lots []string
	sel  selector
}

// lotsPerQuery bounds the lots of one query: the store writes a condition per lot,
// and SQLite refuses an expression more than 1,000 deep (500 lots are too many).
const lotsPerQuery = 400

func newExport(src Source, req Request) (*export, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	x := &export{src: src, req: req, res: newResolver(src)}
	for len(req.Lots) > lotsPerQuery {
		x.groups = append(x.groups, group{lots: req.Lots[:lotsPerQuery]})
		req.Lots = req.Lots[lotsPerQuery:]
	}
	x.groups = append(x.groups, group{lots: req.Lots})
	if len(x.groups) > 1 {
		x.groupOf = make(map[string]int, len(x.req.Lots))
	}
	for i := range x.groups {
		g := &x.groups[i]
		g.sel = newSelector(req.GTINs, g.lots)
		for _, k := range g.lots {
			if x.groupOf != nil {
				if _, ok := x.groupOf[k]; !ok {
					x.groupOf[k] = i
				}
			}
		}
	}
	return x, nil
}

// walk calls fn for every line of eventType's sheet: in event time order, or, when
// the request names more lots than one query takes, in time order within each
// group of lotsPerQuery lots.
func (x *export) walk(ctx context.Context, eventType string, fn func(*line) error) error {
	for i, g := range x.groups {
		f := trace.EventFilter{From: x.req.From, To: x.req.To, Types: []string{eventType}, GTINs: x.req.GTINs, Lots: g.lots}
		err := x.src.Events(ctx, f, func(e *trace.Event) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if e.Type == trace.Transformation && x.groupOf != nil && x.owner(e) != i {
				return nil // written whole by the group of its first selected lot
			}
			return x.res.lines(ctx, e, g.sel, fn)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// owner is the group of the first selected lot of a transformation (inputs, then
// outputs).
func (x *export) owner(e *trace.Event) int {
	for _, lots := range [][]trace.LotQuantity{e.Inputs, e.Outputs} {
		for _, q := range lots {
			if i, ok := x.groupOf[q.Key()]; ok && (len(x.req.GTINs) == 0 || slices.Contains(x.req.GTINs, q.GTIN)) {
				return i
			}
		}
	}
	return -1
}
