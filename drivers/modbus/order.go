package modbus

import (
	"fmt"
	"slices"
)

// order is a parsed byte order: shift[i] is how far the i-th byte on the wire moves
// to the left in the value.
type order struct {
	n     int // bytes: 2 or 4
	shift [4]uint8
}

// The byte orders a point may name, by the number of bytes of its type.
var (
	orders16 = []string{"AB", "BA"}
	orders32 = []string{"ABCD", "CDAB", "BADC", "DCBA"}
)

// parseOrder parses a Point.Order for type t. "" is AB or ABCD, or CDAB with wordSwap.
// Each letter names a byte of the value, A the most significant, in the order the
// bytes arrive.
func parseOrder(s string, wordSwap bool, t regType) (order, error) {
	n := 2 * t.words()
	valid := orders16
	if n == 4 {
		valid = orders32
	}
	switch {
	case t == typeBool && s == "":
		return order{n: 2, shift: [4]uint8{8, 0}}, nil
	case t == typeBool:
		return order{}, fmt.Errorf("modbus: order %q given for a bit (bool): bits have no byte order", s)
	case wordSwap && n == 2:
		return order{}, fmt.Errorf("modbus: word_swap given for a 16-bit %s: it has one word", t)
	case wordSwap && s != "" && s != "CDAB":
		return order{}, fmt.Errorf("modbus: word_swap (order CDAB) contradicts order %q", s)
	case wordSwap:
		s = "CDAB"
	case s == "":
		s = valid[0]
	}
	if !slices.Contains(valid, s) {
		return order{}, fmt.Errorf("modbus: unknown byte order %q for a %s (want one of %v)", s, t, valid)
	}
	o := order{n: n}
	for i := 0; i < n; i++ {
		o.shift[i] = uint8(8 * (n - 1 - int(s[i]-'A')))
	}
	return o, nil
}

// value assembles the words, as they arrived, into the value's bits.
func (o order) value(regs []uint16) uint32 {
	var v uint32
	for i := 0; i < o.n; i++ {
		w := regs[i/2]
		b := uint32(w >> 8)
		if i%2 == 1 {
			b = uint32(w & 0xff)
		}
		v |= b << o.shift[i]
	}
	return v
}
