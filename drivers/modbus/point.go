package modbus

import (
	"fmt"
	"math"

	"github.com/lotsense/lotsense/drivers"
)

// table is a Modbus table, named by the function that reads it.
type table uint8

const (
	holding  table = iota // function 3
	input                 // function 4
	coil                  // function 1
	discrete              // function 2
)

var tableNames = [...]string{"holding", "input", "coil", "discrete"}

func (t table) String() string {
	if int(t) < len(tableNames) {
		return tableNames[t]
	}
	return fmt.Sprintf("table(%d)", uint8(t))
}

// bits reports whether the table holds bits rather than registers.
func (t table) bits() bool { return t == coil || t == discrete }

// unitName is what a request reads: registers, coils or discrete inputs.
func (t table) unitName() string {
	switch t {
	case coil:
		return "coils"
	case discrete:
		return "discrete inputs"
	}
	return t.String() + " registers"
}

// maxCount is the most registers or bits one read request may ask for (Modbus spec,
// 6.1 to 6.4).
func (t table) maxCount() int {
	if t.bits() {
		return 2000
	}
	return 125
}

func parseTable(s string) (table, bool) {
	if s == "" {
		return holding, true
	}
	for i, n := range tableNames {
		if n == s {
			return table(i), true
		}
	}
	return 0, false
}

// point is a Point checked, with its names parsed.
type point struct {
	Point
	qty   drivers.Quantity
	table table
	codec
}

// checkPoints checks every point, and that no two overlap or measure one quantity. It
// returns the points to read: setpoints are checked but left out.
func checkPoints(ps []Point) ([]point, []error) {
	var errs []error
	all := make([]point, 0, len(ps))
	for i, p := range ps {
		rp, perrs := checkPoint(i, p)
		errs = append(errs, perrs...)
		all = append(all, rp)
	}
	errs = append(errs, checkDuplicates(all)...)
	errs = append(errs, checkOverlaps(all)...)
	return all, errs
}

// checkPoint checks one point and parses its names.
func checkPoint(i int, p Point) (point, []error) {
	var errs []error
	bad := func(field, msg string, err error) {
		errs = append(errs, &ConfigError{Point: i, Quantity: p.Quantity, Field: field, Msg: msg, Err: err})
	}
	rp := point{Point: p.clone()}
	var err error
	if rp.qty, err = drivers.ParseQuantity(p.Quantity); err != nil {
		bad("quantity", err.Error(), err)
	}
	if err == nil {
		if uerr := checkUnit(p.Quantity, p.Unit); uerr != nil {
			bad("unit", uerr.Error(), uerr)
		}
	}
	var ok bool
	if rp.table, ok = parseTable(p.Table); !ok {
		bad("table", fmt.Sprintf("unknown table %q (want holding, input, coil or discrete)", p.Table), nil)
	}
	typeOK := checkType(&rp, bad)
	if !finite(p.Scale) {
		bad("scale", fmt.Sprintf("%v is not a finite number", p.Scale), nil)
	}
	if !finite(p.Offset) {
		bad("offset", fmt.Sprintf("%v is not a finite number", p.Offset), nil)
	}
	if p.Min != nil && math.IsNaN(*p.Min) {
		bad("min", "is NaN", nil)
	}
	if p.Max != nil && math.IsNaN(*p.Max) {
		bad("max", "is NaN", nil)
	}
	if p.Min != nil && p.Max != nil && *p.Min > *p.Max {
		bad("min", fmt.Sprintf("%v is above max %v", *p.Min, *p.Max), nil)
	}
	if typeOK {
		for _, f := range p.Fault {
			if !faultFits(rp.typ, f) {
				bad("fault", fmt.Sprintf("%d can never be read from a %s", f, rp.typ), nil)
			}
		}
	}
	return rp, errs
}

// checkType parses the point's type and order and checks that they fit its table.
func checkType(rp *point, bad func(field, msg string, err error)) bool {
	p := rp.Point
	t, err := parseType(p.Type, rp.table.bits())
	if err != nil {
		bad("type", fmt.Sprintf("unknown type %q (want int16, uint16, int32, uint32 or float32, or bool for coils and discrete inputs)", p.Type), err)
		return false
	}
	rp.typ = t
	if (t == typeBool) != rp.table.bits() {
		bad("type", fmt.Sprintf("a %s does not fit table %s (bool is for coil and discrete, the others for holding and input)", t, rp.table), nil)
		return false
	}
	if int(p.Register)+t.words() > 1<<16 {
		bad("register", fmt.Sprintf("%s at %d runs past register 65535", t, p.Register), nil)
	}
	if rp.ord, err = parseOrder(p.Order, p.WordSwap, t); err != nil {
		field := "order"
		if p.Order == "" {
			field = "word_swap"
		}
		bad(field, err.Error(), err)
	}
	rp.conv = unitConversion(p.Unit)
	return true
}

// faultFits reports whether an integer fault value can be read from type t, either as
// its signed or as its unsigned interpretation.
func faultFits(t regType, f int64) bool {
	switch t {
	case typeInt16, typeUint16:
		return f >= math.MinInt16 && f <= math.MaxUint16
	case typeInt32, typeUint32:
		return f >= math.MinInt32 && f <= math.MaxUint32
	case typeBool:
		return f == 0 || f == 1
	}
	return true
}

// checkDuplicates rejects two points of one quantity: the gateway gives all readings of
// a device one sensor id, so they could not be told apart.
func checkDuplicates(ps []point) []error {
	var errs []error
	seen := map[string]int{}
	for i, p := range ps {
		if !p.qty.Valid() {
			continue
		}
		if j, ok := seen[p.Quantity]; ok {
			errs = append(errs, &ConfigError{Point: i, Quantity: p.Quantity, Field: "quantity",
				Msg: fmt.Sprintf("points[%d] already measures %s; one device has one point per quantity", j, p.Quantity)})
			continue
		}
		seen[p.Quantity] = i
	}
	return errs
}

// checkOverlaps rejects two points that share a register (or a bit) of one table: a
// register holds one value, so one of the two maps is wrong.
func checkOverlaps(ps []point) []error {
	var errs []error
	for i, p := range ps {
		if p.typ == 0 {
			continue
		}
		for j, q := range ps[:i] {
			if q.typ == 0 || q.table != p.table {
				continue
			}
			if lo, hi := max(p.Register, q.Register), min(p.end(), q.end()); int(lo) <= hi {
				errs = append(errs, &ConfigError{Point: i, Quantity: p.Quantity, Field: "register",
					Msg: fmt.Sprintf("%s %d-%d overlaps points[%d] (%s, %d-%d)", p.table.unitName(), p.Register, p.end(), j, q.Quantity, q.Register, q.end())})
			}
		}
	}
	return errs
}

// end is the last register (or bit) the point occupies.
func (p point) end() int { return int(p.Register) + p.typ.words() - 1 }

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
