package fwconfig

import (
	"math"
	"slices"
	"strings"

	"github.com/lotsense/lotsense/drivers/modbus"
)

// registerWords returns how many registers a point type takes, or 0 for an unknown type.
func registerWords(typ string) int {
	switch typ {
	case "int16", "uint16":
		return 1
	case "int32", "uint32", "float32":
		return 2
	}
	return 0
}

// order checks a point's byte order against its type.
func (k *checker) order(pt *modbus.Point, path string, words int) {
	valid := []string{"AB", "BA"}
	if registerWords(pt.Type) == 2 {
		valid = []string{"ABCD", "CDAB", "BADC", "DCBA"}
	}
	switch {
	case words == 0:
	case pt.Type == "bool" && pt.Order != "":
		k.errorf(joinPath(path, "order"), "a bit has no byte order, got %q", pt.Order)
	case pt.Type != "bool" && pt.Order != "" && !slices.Contains(valid, pt.Order):
		k.errorf(joinPath(path, "order"), "want %s for a %s, got %q", strings.Join(valid, ", "), pt.Type, pt.Order)
	case pt.WordSwap && registerWords(pt.Type) != 2:
		k.errorf(joinPath(path, "word_swap"), "only for 32-bit types (it is order CDAB), got a %s", pt.Type)
	case pt.WordSwap && pt.Order != "" && pt.Order != "CDAB":
		k.errorf(joinPath(path, "word_swap"), "contradicts order %q (word_swap is order CDAB)", pt.Order)
	}
}

// scaling checks scale, offset, min and max.
func (k *checker) scaling(pt *modbus.Point, path string) {
	if pt.Scale == 0 && k.c.given(joinPath(path, "scale")) {
		k.errorf(joinPath(path, "scale"), "want a factor other than 0 (omit the key for 1)")
	}
	k.finite(joinPath(path, "scale"), pt.Scale)
	k.finite(joinPath(path, "offset"), pt.Offset)
	if pt.Min != nil {
		k.finite(joinPath(path, "min"), *pt.Min)
	}
	if pt.Max != nil {
		k.finite(joinPath(path, "max"), *pt.Max)
	}
	if pt.Min != nil && pt.Max != nil && *pt.Min > *pt.Max {
		k.errorf(joinPath(path, "min"), "want min at most max (%v), got %v", *pt.Max, *pt.Min)
	}
}

// faults checks that each fault value can be read from the point's type, as its signed
// or unsigned reading.
func (k *checker) faults(pt *modbus.Point, path string, words int) {
	if words == 0 || pt.Type == "float32" {
		return
	}
	lo, hi := int64(math.MinInt16), int64(math.MaxUint16)
	switch {
	case pt.Type == "bool":
		lo, hi = 0, 1
	case words == 2:
		lo, hi = math.MinInt32, math.MaxUint32
	}
	for i, f := range pt.Fault {
		if f < lo || f > hi {
			k.errorf(indexPath(joinPath(path, "fault"), i), "want %d to %d (a %s), got %d", lo, hi, pt.Type, f)
		}
	}
}

// finite checks that a number is not NaN or infinite.
func (k *checker) finite(path string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		k.errorf(path, "want a finite number, got %v", v)
	}
}
