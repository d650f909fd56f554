package modbus

import "sort"

// Built-in register maps, by name. The table is never modified: Profile returns copies.
var profiles = map[string][]Point{
	// A temperature/humidity transmitter (the common RS485/TCP "TH" sensor): two holding
	// registers in tenths, with the usual fault codes for an open or shorted probe.
	"th-transmitter": {
		{Quantity: "temperature", Table: "holding", Register: 0, Type: "int16", Scale: 0.1,
			Fault: []int64{32767, -32768}},
		{Quantity: "humidity", Table: "holding", Register: 1, Type: "uint16", Scale: 0.1,
			Fault: []int64{65535}, Min: float(0), Max: float(100)},
	},
	// A reefer or cold-room controller: air temperature in tenths and three states.
	"reefer-controller": {
		{Quantity: "temperature", Table: "holding", Register: 0, Type: "int16", Scale: 0.1,
			Fault: []int64{32767, -32768}},
		{Quantity: "door_open", Table: "holding", Register: 2, Type: "uint16", Scale: 1,
			Min: float(0), Max: float(1)},
		{Quantity: "compressor", Table: "holding", Register: 3, Type: "uint16", Scale: 1,
			Min: float(0), Max: float(1)},
		{Quantity: "defrost", Table: "holding", Register: 4, Type: "uint16", Scale: 1,
			Min: float(0), Max: float(1)},
	},
}

func float(f float64) *float64 { return &f }

// Profile returns a copy of the built-in register map called name, and whether it exists.
func Profile(name string) ([]Point, bool) {
	ps, ok := profiles[name]
	if !ok {
		return nil, false
	}
	return clonePoints(ps), true
}

// ProfileNames returns the names of the built-in register maps, sorted.
func ProfileNames() []string {
	names := make([]string, 0, len(profiles))
	for n := range profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// clonePoints copies points deeply, so nobody shares Fault, Min or Max with the table.
func clonePoints(ps []Point) []Point {
	out := make([]Point, len(ps))
	for i, p := range ps {
		out[i] = p.clone()
	}
	return out
}

func (p Point) clone() Point {
	if p.Fault != nil {
		p.Fault = append([]int64(nil), p.Fault...)
	}
	if p.Min != nil {
		p.Min = float(*p.Min)
	}
	if p.Max != nil {
		p.Max = float(*p.Max)
	}
	return p
}
