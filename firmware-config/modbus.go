package fwconfig

import (
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

// modbus checks a Modbus sensor's options and fills in their defaults. A profile
// resolves to a shipped device profile first (see ShippedProfiles), then to one of the
// driver's built-in maps; a device profile's points are filled into points.
func (k *checker) modbus(s *Sensor, path string) {
	o := s.Modbus
	k.modbusLine(s, path)
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
	if o.Retries != nil && (*o.Retries < 0 || *o.Retries > modbus.MaxRetries) {
		k.errorf(joinPath(path, "retries"), "want 0 to %d, got %d", modbus.MaxRetries, *o.Retries)
	}
	k.sharedBus(s, path)
	k.modbusProfile(o, path)
	k.points(o.Points, joinPath(path, "points"))
}

// modbusLine checks the device's address or serial line.
func (k *checker) modbusLine(s *Sensor, path string) {
	o := s.Modbus
	switch {
	case o.Serial != nil && o.Address != "":
		k.errorf(joinPath(path, "address"), "given together with serial: want address (Modbus TCP) or serial (RTU), not both")
	case o.Serial != nil:
		k.serial(o.Serial, joinPath(path, "serial"))
	case o.Address == "":
		k.errorf(joinPath(path, "address"), "required: want host:port, or serial for Modbus RTU")
	case s.Simulate != nil && !validHostPort(o.Address, 0):
		k.errorf(joinPath(path, "address"), "want host:port (port 0 lets the simulator pick one), got %q", o.Address)
	case s.Simulate == nil && !validHostPort(o.Address, 1):
		k.errorf(joinPath(path, "address"), "want host:port with a port from 1 to 65535 (port 0 only with simulate), got %q", o.Address)
	}
}

// modbusProfile resolves the profile, filling a device profile's points in when the
// sensor gives none of its own.
func (k *checker) modbusProfile(o *modbus.Options, path string) {
	if o.Profile == "" {
		if len(o.Points) == 0 {
			k.errorf(path, "want a profile (%s) or points", strings.Join(k.profileNames(), ", "))
		}
		return
	}
	ps, err := ShippedProfiles()
	if err != nil {
		k.errorf(joinPath(path, "profile"), "shipped profiles: %w", err)
		return
	}
	if pts, ok := ps.Points(o.Profile); ok {
		if len(o.Points) == 0 {
			o.Points = pts
		}
		return
	}
	if _, ok := modbus.Profile(o.Profile); !ok {
		k.errorf(joinPath(path, "profile"), "unknown profile %q: want one of %s", o.Profile, strings.Join(k.profileNames(), ", "))
	}
}

// profileNames lists the device profiles and then the driver's built-in maps.
func (k *checker) profileNames() []string {
	var names []string
	if ps, err := ShippedProfiles(); err == nil {
		names = ps.Names()
	}
	return append(names, modbus.ProfileNames()...)
}

// points checks a register map: each point, one point per quantity, no two points on
// one register.
func (k *checker) points(pts []modbus.Point, path string) {
	seen := map[string]int{}
	for i := range pts {
		p := indexPath(path, i)
		if !k.point(&pts[i], p) {
			continue
		}
		q := pts[i].Quantity
		if j, dup := seen[q]; dup {
			k.errorf(joinPath(p, "quantity"), "points[%d] already reads %s: one sensor has one point per quantity", j, q)
			continue
		}
		seen[q] = i
	}
	for i := range pts {
		for j := range i {
			a, b := pts[i], pts[j]
			wa, wb := pointWords(a), pointWords(b)
			if wa == 0 || wb == 0 || a.Table != b.Table {
				continue
			}
			if max(int(a.Register), int(b.Register)) < min(int(a.Register)+wa, int(b.Register)+wb) {
				k.errorf(joinPath(indexPath(path, i), "register"), "%s %d-%d overlaps points[%d] (%s at %d-%d)",
					a.Table, a.Register, int(a.Register)+wa-1, j, b.Quantity, b.Register, int(b.Register)+wb-1)
			}
		}
	}
}

// pointWords returns how many registers (or bits) a point takes, or 0 when its table
// or type is not valid.
func pointWords(pt modbus.Point) int {
	bits := pt.Table == "coil" || pt.Table == "discrete"
	switch {
	case pt.Table != "holding" && pt.Table != "input" && !bits:
		return 0
	case bits && (pt.Type == "" || pt.Type == "bool"):
		return 1
	case bits || pt.Type == "bool":
		return 0
	case pt.Type == "" || pt.Type == "int16" || pt.Type == "uint16":
		return 1
	case pt.Type == "int32" || pt.Type == "uint32" || pt.Type == "float32":
		return 2
	}
	return 0
}

// point checks one register point and reports whether its quantity is valid.
func (k *checker) point(pt *modbus.Point, path string) bool {
	ok := true
	if pt.Quantity != modbus.SetpointQuantity {
		if _, err := drivers.ParseQuantity(pt.Quantity); err != nil {
			k.errorf(joinPath(path, "quantity"), "%w", err)
			ok = false
		}
	}
	if err := modbus.UnitFits(pt.Quantity, pt.Unit); ok && err != nil {
		k.errorf(joinPath(path, "unit"), "%w", err)
	}
	if k.unset(joinPath(path, "table"), pt.Table == "") {
		pt.Table = "holding"
	}
	bits := pt.Table == "coil" || pt.Table == "discrete"
	if !bits && pt.Table != "holding" && pt.Table != "input" {
		k.errorf(joinPath(path, "table"), "want holding, input, coil or discrete (the read function), got %q", pt.Table)
	}
	if k.unset(joinPath(path, "type"), pt.Type == "") && (bits || pt.Table == "holding" || pt.Table == "input") {
		pt.Type = map[bool]string{true: "bool", false: "int16"}[bits]
	}
	words := pointWords(*pt)
	tableOK := bits || pt.Table == "holding" || pt.Table == "input"
	switch {
	case registerWords(pt.Type) == 0 && pt.Type != "bool" && (tableOK || pt.Type != ""):
		k.errorf(joinPath(path, "type"), "want int16, uint16, int32, uint32 or float32, or bool for coils and discrete inputs, got %q", pt.Type)
	case !tableOK:
	case words == 0:
		k.errorf(joinPath(path, "type"), "a %s does not fit table %s: bool is for coil and discrete, the others for holding and input", pt.Type, pt.Table)
	case int(pt.Register)+words > 1<<16:
		k.errorf(joinPath(path, "register"), "a %s at %d runs past register 65535", pt.Type, pt.Register)
	}
	k.order(pt, path, words)
	k.scaling(pt, path)
	k.faults(pt, path, words)
	return ok
}
