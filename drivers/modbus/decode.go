package modbus

import (
	"fmt"
	"math"

	"github.com/lotsense/lotsense/drivers"
)

// regType is how a point's register words (or bit) encode its raw number.
type regType uint8

const (
	typeInt16 regType = iota + 1
	typeUint16
	typeInt32
	typeUint32
	typeFloat32
	typeBool
)

var typeNames = [...]string{"", "int16", "uint16", "int32", "uint32", "float32", "bool"}

func (t regType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// words is the number of 16-bit registers (or bits) a value of type t occupies.
func (t regType) words() int {
	if t >= typeInt32 && t <= typeFloat32 {
		return 2
	}
	return 1
}

// parseType turns a Point.Type into a regType; "" means int16 for registers and bool
// for bits.
func parseType(s string, bits bool) (regType, error) {
	if s == "" && bits {
		return typeBool, nil
	}
	if s == "" {
		return typeInt16, nil
	}
	for i, n := range typeNames {
		if i > 0 && n == s {
			return regType(i), nil
		}
	}
	return 0, fmt.Errorf("modbus: unknown type %q (want int16, uint16, int32, uint32, float32 or bool)", s)
}

// codec is how one point's words become a value: its type, byte order and unit
// conversion, parsed once.
type codec struct {
	typ  regType
	ord  order
	conv unitConv
}

// parseCodec parses a point's type, order and unit. The table only decides the
// default type.
func parseCodec(p Point) (codec, error) {
	bits := p.Table == "coil" || p.Table == "discrete"
	t, err := parseType(p.Type, bits)
	if err != nil {
		return codec{}, err
	}
	o, err := parseOrder(p.Order, p.WordSwap, t)
	if err != nil {
		return codec{}, err
	}
	return codec{typ: t, ord: o, conv: unitConversion(p.Unit)}, nil
}

// Decode turns the raw register words of one point, in the order the device sent them
// (one word for 16-bit types and bits, two for 32-bit types; a bit is a word of 0 or
// 1), into a value in the quantity's unit and its quality. A fault value, a value
// outside Min..Max, or a float that is not a number yields drivers.Bad with value 0
// and a nil error: the device answered, but not with a measurement. An error means p
// or regs are malformed (unknown type or order, wrong number of words); the quality
// is then Bad as well.
func Decode(p Point, regs []uint16) (float64, drivers.Quality, error) {
	c, err := parseCodec(p)
	if err != nil {
		return 0, drivers.Bad, err
	}
	return decode(p, c, regs)
}

// decode is Decode with the codec already parsed, so Poll does not parse it each time.
func decode(p Point, c codec, regs []uint16) (float64, drivers.Quality, error) {
	if len(regs) != c.typ.words() {
		return 0, drivers.Bad, fmt.Errorf("modbus: %s needs %d register(s), got %d", c.typ, c.typ.words(), len(regs))
	}
	raw, fault := rawValue(p, c, regs)
	if fault || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 0, drivers.Bad, nil
	}
	scale := p.Scale
	if scale == 0 {
		scale = 1
	}
	v := raw*scale + p.Offset
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, drivers.Bad, nil
	case p.Min != nil && v < *p.Min, p.Max != nil && v > *p.Max:
		return 0, drivers.Bad, nil
	}
	return c.conv.apply(v), drivers.Good, nil
}

// rawValue decodes the words into the device's raw number and reports whether it is one
// of the point's fault values. Integer faults match the signed or the unsigned reading of
// the same bits; float faults match the decoded float.
func rawValue(p Point, c codec, regs []uint16) (raw float64, fault bool) {
	t := c.typ
	if t == typeBool {
		if regs[0] != 0 {
			return 1, false
		}
		return 0, false
	}
	bits := c.ord.value(regs)
	var signed, unsigned int64
	switch t {
	case typeInt16, typeUint16:
		signed, unsigned = int64(int16(bits)), int64(bits)
	case typeInt32, typeUint32:
		signed, unsigned = int64(int32(bits)), int64(bits)
	case typeFloat32:
		f := float64(math.Float32frombits(bits))
		for _, x := range p.Fault {
			fault = fault || float64(x) == f
		}
		return f, fault
	}
	for _, x := range p.Fault {
		fault = fault || x == signed || x == unsigned
	}
	if t == typeInt16 || t == typeInt32 {
		return float64(signed), fault
	}
	return float64(unsigned), fault
}
