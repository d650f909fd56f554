package portal_test

import (
	"fmt"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/gateway/portal"
)

type lots map[string][]string

func (l lots) LotsOf(epc []byte) ([]string, bool) {
	v, ok := l[fmt.Sprintf("%X", epc)]
	return v, ok
}

func Example() {
	p, err := portal.New(portal.Config{
		Doors: []portal.Door{{
			ID:        "dock-3",
			ReadPoint: "urn:epc:id:sgln:0614141.00777.3",
			Readers: []portal.AntennaZone{
				{Reader: "fx9600-3", Antenna: 1, Zone: portal.Outside},
				{Reader: "fx9600-3", Antenna: 2, Zone: portal.Inside},
			},
			RSSIFloor: -72,
		}},
		Lots: lots{"3074257BF7194E4000001A85": {"urn:epc:class:lgtin:0614141.812345.L42"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	epc := []byte{0x30, 0x74, 0x25, 0x7B, 0xF7, 0x19, 0x4E, 0x40, 0x00, 0x00, 0x1A, 0x85}
	t := time.Date(2025, 3, 4, 8, 0, 0, 0, time.UTC)
	for i, ant := range []uint16{1, 1, 1, 2, 2, 2} {
		p.Read(&drivers.TagRead{Reader: "fx9600-3", Antenna: ant, EPC: epc, RSSI: -55,
			Time: t.Add(time.Duration(i) * 300 * time.Millisecond), Count: 1})
	}
	out := p.Flush(t.Add(time.Minute))
	for _, m := range out.Movements {
		fmt.Println(m.Door, m.EPC, m.Direction, m.Lots)
	}
	for _, e := range out.Events {
		fmt.Println(e.Type, e.Location, e.Direction, e.Lots, e.Attrs["tags"], e.Attrs["unassigned"])
	}
	// Output:
	// dock-3 3074257BF7194E4000001A85 in [urn:epc:class:lgtin:0614141.812345.L42]
	// receiving dock-3 in [urn:epc:class:lgtin:0614141.812345.L42] 1 0
}
