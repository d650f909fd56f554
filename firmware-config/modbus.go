package fwconfig

import (
	"math"
	"strings"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/modbus"
)

// Modbus defaults filled in by Init.
const (
	DefaultModbusUnitID  = 1
	DefaultModbusTimeout = time.Second
)

// modbus checks a Modbus sensor's options and fills in their defaults.
func (k *checker) modbus(s *Sensor, path string) {
	o := s.Modbus
	switch {
	case o.Address == "":
		k.errorf(joinPath(path, "address"), "required: want host:port")
	case s.Simulate != nil && !validHostPort(o.Address, 0):
		k.errorf(joinPath(path, "address"), "want host:port (port 0 lets the simulator pick one), got %q", o.Address)
	case s.Simulate == nil && !validHostPort(o.Address, 1):
		k.errorf(joinPath(path, "address"), "want host:port with a port from 1 to 65535 (port 0 only with simulate), got %q", o.Address)
	}
	if k.unset(joinPath(path, "unit_id"), o.UnitID == 0) {
		o.UnitID = DefaultModbusUnitID
	}
	if o.UnitID == 0 || o.UnitID > 247 && o.UnitID != 255 {
		k.errorf(joinPath(path, "unit_id"), "want 1 to 247, or 255 for a device addressed directly over TCP, got %d", o.UnitID)
	}
	if k.unset(joinPath(path, "timeout"), o.Timeout == 0) {
		o.Timeout = DefaultModbusTimeout
	}
	if o.Timeout <= 0 || o.Timeout > time.Minute {
		k.errorf(joinPath(path, "timeout"), "want a duration above 0 and at most 1m, got %v", o.Timeout)
	}
	if o.Profile != "" {
		if _, ok := modbus.Profile(o.Profile); !ok {
			k.errorf(joinPath(path, "profile"), "unknown profile %q: want one of %s", o.Profile, strings.Join(modbus.ProfileNames(), ", "))
		}
	} else if len(o.Points) == 0 {
		k.errorf(path, "want a profile (%s) or points", strings.Join(modbus.ProfileNames(), ", "))
	}
	seen := map[drivers.Quantity]int{}
	for i := range o.Points {
		p := indexPath(joinPath(path, "points"), i)
		q := k.point(&o.Points[i], p)
		if !q.Valid() {
			continue
		}
		if j, dup := seen[q]; dup {
			k.errorf(joinPath(p, "quantity"), "points[%d] already reads %s: one sensor has one point per quantity", j, q)
			continue
		}
		seen[q] = i
	}
}

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

// point checks one register point and returns its quantity.
func (k *checker) point(pt *modbus.Point, path string) drivers.Quantity {
	q, err := drivers.ParseQuantity(pt.Quantity)
	if err != nil {
		k.errorf(joinPath(path, "quantity"), "%w", err)
	}
	if k.unset(joinPath(path, "table"), pt.Table == "") {
		pt.Table = "holding"
	}
	if pt.Table != "holding" && pt.Table != "input" {
		k.errorf(joinPath(path, "table"), "want holding or input, got %q", pt.Table)
	}
	words := registerWords(pt.Type)
	switch {
	case words == 0:
		k.errorf(joinPath(path, "type"), "want int16, uint16, int32, uint32 or float32, got %q", pt.Type)
	case int(pt.Register)+words > 1<<16:
		k.errorf(joinPath(path, "register"), "a %s at %d runs past register 65535", pt.Type, pt.Register)
	}
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
	k.faults(pt, path, words)
	return q
}

// faults checks that each fault value can be read from the point's type, as its signed
// or unsigned reading.
func (k *checker) faults(pt *modbus.Point, path string, words int) {
	if words == 0 || pt.Type == "float32" {
		return
	}
	lo, hi := int64(math.MinInt16), int64(math.MaxUint16)
	if words == 2 {
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
