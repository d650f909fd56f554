package fsma

import (
	"fmt"

	"github.com/lotsense/lotsense/cloud/trace"
)

// Column is one column of a sheet: its header and the rule it answers.
type Column struct {
	Name string
	// CFR is the paragraph of 21 CFR part 1 subpart S the column answers, or "" for a
	// column lotsense adds so the rows can be understood and cross-referenced.
	CFR string
}

// col is a column with how to fill it from a line.
type col struct {
	Column
	width float64 // XLSX column width, in characters
	get   func(*line) any
}

// sheet is the layout of one event type's sheet.
type sheet struct {
	typ  string
	name string // sheet name (at most 31 characters in XLSX)
	file string // CSV file name in the zip, without extension
	cols []col
}

// Columns returns the columns of eventType's sheet.
func Columns(eventType string) ([]Column, error) {
	sh, ok := sheets[eventType]
	if !ok {
		return nil, invalid("type %q: want one of %v", eventType, AllTypes)
	}
	out := make([]Column, len(sh.cols))
	for i, c := range sh.cols {
		out[i] = c.Column
	}
	return out, nil
}

// SheetName returns the name of eventType's sheet ("Receiving").
func SheetName(eventType string) (string, error) {
	sh, ok := sheets[eventType]
	if !ok {
		return "", invalid("type %q: want one of %v", eventType, AllTypes)
	}
	return sh.name, nil
}

func c(name, cfr string, width float64, get func(*line) any) col {
	return col{Column: Column{Name: name, CFR: cfr}, width: width, get: get}
}

// Columns shared by sheets. p is the CFR section with its paragraph prefix.
func tlcCols(p string) []col {
	return []col{
		c("Traceability lot code", p, 34, func(l *line) any { return l.q.Key() }),
		c("GTIN", p, 16, func(l *line) any { return l.q.GTIN }),
		c("Lot code", p, 22, func(l *line) any { return l.q.Lot }),
	}
}

func quantityCols(p string) []col {
	return []col{
		c("Quantity", p, 10, func(l *line) any { return l.quantity() }),
		c("Unit of measure", p, 9, func(l *line) any { return l.q.Unit }),
	}
}

func productCol(p string) col {
	return c("Product description", p, 30, func(l *line) any { return l.product })
}

func placeCols(what, p string, pick func(*line) place) []col {
	return []col{
		c(what+" location description", p, 45, func(l *line) any { return pick(l).desc }),
		c(what+" location GLN", p, 15, func(l *line) any { return pick(l).gln }),
	}
}

func tlcSourceCols(p string) []col {
	return []col{
		c("Traceability lot code source location description", p, 45, func(l *line) any { return l.tlcSource.desc }),
		c("Traceability lot code source GLN", p, 15, func(l *line) any { return l.tlcSource.gln }),
		c("Traceability lot code source reference", p, 25, func(l *line) any { return l.lot.TLCSourceRef }),
	}
}

func dateCols(name, p string) []col {
	return []col{
		c(name, p, 12, func(l *line) any { return l.at.Format("2006-01-02") }),
		c("Date and time", "", 26, func(l *line) any { return l.at.Format("2006-01-02T15:04:05-07:00") }),
	}
}

func documentCols(p string) []col {
	return []col{
		c("Reference document type", p, 24, func(l *line) any { return l.docTypes }),
		c("Reference document number", p, 24, func(l *line) any { return l.docIDs }),
	}
}

var eventIDCol = c("Event ID", "", 46, func(l *line) any { return l.e.EventID })

func join(parts ...[]col) []col {
	var out []col
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func one(c col) []col { return []col{c} }

var sheets = map[string]*sheet{}

func init() {
	for _, sh := range []*sheet{
		{typ: trace.Commissioning, name: "Initial packing", file: "initial-packing", cols: join(
			tlcCols("1.1330(a)(11)"),
			one(productCol("1.1330(a)(12)")),
			quantityCols("1.1330(a)(13)"),
			placeCols("Initial packing", "1.1330(a)(14)", func(l *line) place { return l.location }),
			one(c("Traceability lot code source reference", "1.1330(a)(14)", 25, func(l *line) any { return l.lot.TLCSourceRef })),
			dateCols("Date of initial packing", "1.1330(a)(15)"),
			documentCols("1.1330(a)(16)"),
			one(eventIDCol),
		)},
		{typ: trace.Receiving, name: "Receiving", file: "receiving", cols: join(
			tlcCols("1.1345(a)(1)"),
			quantityCols("1.1345(a)(2)"),
			one(productCol("1.1345(a)(3)")),
			placeCols("Immediate previous source", "1.1345(a)(4)", func(l *line) place { return l.shipFrom }),
			placeCols("Receiving", "1.1345(a)(5)", func(l *line) place { return l.location }),
			dateCols("Date received", "1.1345(a)(6)"),
			tlcSourceCols("1.1345(a)(7)"),
			documentCols("1.1345(a)(8)"),
			one(eventIDCol),
		)},
		{typ: trace.Shipping, name: "Shipping", file: "shipping", cols: join(
			tlcCols("1.1340(a)(1)"),
			quantityCols("1.1340(a)(2)"),
			one(productCol("1.1340(a)(3)")),
			placeCols("Immediate subsequent recipient", "1.1340(a)(4)", func(l *line) place { return l.shipTo }),
			placeCols("Ship-from", "1.1340(a)(5)", func(l *line) place { return l.shipFrom }),
			dateCols("Date shipped", "1.1340(a)(6)"),
			tlcSourceCols("1.1340(a)(7)"),
			documentCols("1.1340(a)(8)"),
			one(eventIDCol),
		)},
		{typ: trace.Transformation, name: "Transformation", file: "transformation", cols: join(
			one(c("Input or output", "1.1350(a)(1), (a)(2)", 10, func(l *line) any { return l.role })),
			tlcCols("1.1350(a)(1)(i), (a)(2)(i)"),
			one(productCol("1.1350(a)(1)(ii), (a)(2)(iv)")),
			quantityCols("1.1350(a)(1)(iii), (a)(2)(v)"),
			placeCols("Transformation", "1.1350(a)(2)(ii)", func(l *line) place { return l.location }),
			one(c("Traceability lot code source reference", "1.1350(a)(2)(ii)", 25, func(l *line) any {
				if l.role != roleOutput {
					return ""
				}
				return l.lot.TLCSourceRef
			})),
			dateCols("Date transformation completed", "1.1350(a)(2)(iii)"),
			documentCols("1.1350(a)(2)(vi)"),
			one(eventIDCol),
		)},
		{typ: trace.Aggregation, name: "Aggregation", file: "aggregation", cols: join(
			tlcCols(""),
			one(productCol("")),
			quantityCols(""),
			one(c("Action", "", 8, func(l *line) any { return l.e.Action })),
			one(c("Pallet or container", "", 38, func(l *line) any { return l.e.Parent })),
			placeCols("Event", "", func(l *line) place { return l.location }),
			dateCols("Date", ""),
			documentCols(""),
			one(eventIDCol),
		)},
		{typ: trace.Disposition, name: "Disposition", file: "disposition", cols: join(
			tlcCols(""),
			one(productCol("")),
			quantityCols(""),
			one(c("Disposition", "", 14, func(l *line) any { return l.e.Disposition })),
			one(c("Reason", "", 40, func(l *line) any { return l.e.Reason })),
			placeCols("Event", "", func(l *line) place { return l.location }),
			dateCols("Date", ""),
			documentCols(""),
			one(eventIDCol),
		)},
	} {
		if len(sh.name) > 31 {
			panic(fmt.Sprintf("fsma: sheet name %q longer than 31 characters", sh.name))
		}
		sheets[sh.typ] = sh
	}
}
