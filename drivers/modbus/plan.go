package modbus

import (
	"fmt"
	"sort"
)

// request is one read of contiguous registers (or bits) of one table, and the points it
// serves.
type request struct {
	table  table
	start  uint16
	count  uint16
	points []int // indexes into the device's points
}

func (r request) String() string {
	return fmt.Sprintf("%s %d-%d", r.table.unitName(), r.start, int(r.start)+int(r.count)-1)
}

// plan groups points into as few requests as it can: points of one table whose registers
// touch or overlap share a request, up to the table's most per request (125 registers,
// 2000 bits). Registers in a gap are never read, because many devices answer "illegal
// data address" for unmapped registers.
func plan(ps []point) []request {
	idx := make([]int, len(ps))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		pa, pb := ps[idx[a]], ps[idx[b]]
		if pa.table != pb.table {
			return pa.table < pb.table
		}
		return pa.Register < pb.Register
	})
	var reqs []request
	for _, i := range idx {
		p := ps[i]
		lo, hi := int(p.Register), int(p.Register)+p.typ.words()
		if n := len(reqs); n > 0 {
			r := &reqs[n-1]
			start, end := int(r.start), int(r.start)+int(r.count)
			if r.table == p.table && lo <= end && max(hi, end)-start <= p.table.maxCount() {
				r.count = uint16(max(hi, end) - start)
				r.points = append(r.points, i)
				continue
			}
		}
		reqs = append(reqs, request{table: p.table, start: uint16(lo), count: uint16(hi - lo), points: []int{i}})
	}
	return reqs
}
