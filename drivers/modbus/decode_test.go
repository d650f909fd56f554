package modbus

import (
	"math"
	"slices"
	"testing"

	"github.com/lotsense/lotsense/drivers"
)

func f64(f float64) *float64 { return &f }

func TestDecode(t *testing.T) {
	temp := Point{Type: "int16", Scale: 0.1, Fault: []int64{32767, -32768}}
	hum := Point{Type: "uint16", Scale: 0.1, Fault: []int64{65535}, Min: f64(0), Max: f64(100)}
	tests := []struct {
		name string
		p    Point
		regs []uint16
		want float64
		q    drivers.Quality
		err  bool
	}{
		{"int16 positive", temp, []uint16{31}, 3.1, drivers.Good, false},
		{"int16 negative", temp, []uint16{0xFF8C}, -11.6, drivers.Good, false},
		{"int16 fault 32767", temp, []uint16{0x7FFF}, 0, drivers.Bad, false},
		{"int16 fault -32768", temp, []uint16{0x8000}, 0, drivers.Bad, false},
		{"int16 fault written unsigned", Point{Type: "int16", Fault: []int64{0x8000}}, []uint16{0x8000}, 0, drivers.Bad, false},
		{"type defaults to int16", Point{}, []uint16{0xFFFF}, -1, drivers.Good, false},
		{"scale defaults to 1", Point{Type: "uint16"}, []uint16{0xFFFF}, 65535, drivers.Good, false},
		{"uint16 humidity", hum, []uint16{655}, 65.5, drivers.Good, false},
		{"uint16 fault", hum, []uint16{0xFFFF}, 0, drivers.Bad, false},
		{"above max", hum, []uint16{1005}, 0, drivers.Bad, false},
		{"at max", hum, []uint16{1000}, 100, drivers.Good, false},
		{"below min alone", Point{Type: "int16", Min: f64(-40)}, []uint16{0xFFD7}, 0, drivers.Bad, false},
		{"offset", Point{Type: "uint16", Scale: 0.1, Offset: -40}, []uint16{500}, 10, drivers.Good, false},
		{"int32 high word first", Point{Type: "int32", Scale: 0.01}, []uint16{0xFFFF, 0xFF38}, -2, drivers.Good, false},
		{"int32 word swap", Point{Type: "int32", Scale: 0.01, WordSwap: true}, []uint16{0xFF38, 0xFFFF}, -2, drivers.Good, false},
		{"uint32", Point{Type: "uint32"}, []uint16{0x0001, 0x0000}, 65536, drivers.Good, false},
		{"uint32 fault", Point{Type: "uint32", Fault: []int64{0xFFFFFFFF}}, []uint16{0xFFFF, 0xFFFF}, 0, drivers.Bad, false},
		{"int32 fault as -1", Point{Type: "int32", Fault: []int64{-1}}, []uint16{0xFFFF, 0xFFFF}, 0, drivers.Bad, false},
		{"float32", Point{Type: "float32"}, []uint16{0x4050, 0x0000}, 3.25, drivers.Good, false},
		{"float32 word swap", Point{Type: "float32", WordSwap: true}, []uint16{0x0000, 0x4050}, 3.25, drivers.Good, false},
		{"float32 NaN", Point{Type: "float32"}, []uint16{0x7FC0, 0x0000}, 0, drivers.Bad, false},
		{"float32 +Inf", Point{Type: "float32"}, []uint16{0x7F80, 0x0000}, 0, drivers.Bad, false},
		{"float32 fault", Point{Type: "float32", Fault: []int64{-9999}}, []uint16{0xC61C, 0x3C00}, 0, drivers.Bad, false},
		{"overflow after scale", Point{Type: "float32", Scale: 1e300}, []uint16{0x7F7F, 0xFFFF}, 0, drivers.Bad, false},
		{"unknown type", Point{Type: "int8"}, []uint16{1}, 0, drivers.Bad, true},
		{"too few words", Point{Type: "int32"}, []uint16{1}, 0, drivers.Bad, true},
		{"too many words", temp, []uint16{1, 2}, 0, drivers.Bad, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, q, err := Decode(tt.p, tt.regs)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if q != tt.q || math.Abs(v-tt.want) > 1e-9 {
				t.Errorf("Decode = %v %v, want %v %v", v, q, tt.want, tt.q)
			}
		})
	}
}

var fuzzTypes = []string{"", "int16", "uint16", "int32", "uint32", "float32", "int8"}

func FuzzDecode(f *testing.F) {
	f.Add(uint8(1), false, uint16(31), uint16(0), uint8(1), 0.1, 0.0, -40.0, 80.0, int64(32767))
	f.Add(uint8(5), true, uint16(0x7FC0), uint16(0), uint8(2), 1.0, 0.0, math.NaN(), math.Inf(1), int64(-1))
	f.Add(uint8(3), false, uint16(0xFFFF), uint16(0xFFFF), uint8(0), 0.0, math.Inf(-1), 0.0, 0.0, int64(0))
	f.Fuzz(func(t *testing.T, typ uint8, swap bool, r0, r1 uint16, n uint8, scale, offset, lo, hi float64, fault int64) {
		p := Point{Type: fuzzTypes[int(typ)%len(fuzzTypes)], WordSwap: swap, Scale: scale, Offset: offset,
			Fault: []int64{fault}}
		if typ&0x80 != 0 {
			p.Min, p.Max = &lo, &hi
		}
		regs := []uint16{r0, r1, r0}[:n%4]
		v, q, err := Decode(p, regs)
		if err != nil && q != drivers.Bad {
			t.Fatalf("error %v with quality %v", err, q)
		}
		if q == drivers.Good {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("good reading %v is not finite", v)
			}
			if p.Min != nil && v < *p.Min || p.Max != nil && v > *p.Max {
				t.Fatalf("good reading %v outside %v..%v", v, lo, hi)
			}
		} else if v != 0 {
			t.Fatalf("%v reading has value %v, want 0", q, v)
		}
	})
}

func TestPlan(t *testing.T) {
	mk := func(tab table, reg uint16, typ regType) point {
		return point{Point: Point{Register: reg}, table: tab, codec: codec{typ: typ}}
	}
	ps := []point{
		mk(holding, 2, typeInt32),  // 0: 2-3, joins 0-1
		mk(holding, 0, typeInt16),  // 1
		mk(input, 0, typeInt16),    // 2: other table
		mk(holding, 1, typeUint16), // 3
		mk(holding, 6, typeInt16),  // 4: gap at 4-5, new request
		mk(holding, 100, typeInt16),
		mk(holding, 7, typeFloat32), // 6: 7-8, joins 6
		mk(holding, 130, typeInt16), // 7: would make 6..130 > 125
		mk(holding, 1, typeInt16),   // 8: overlaps register 1
	}
	got := plan(ps)
	want := []struct {
		tab          table
		start, count uint16
		points       []int
	}{
		{holding, 0, 4, []int{1, 3, 8, 0}},
		{holding, 6, 3, []int{4, 6}},
		{holding, 100, 1, []int{5}},
		{holding, 130, 1, []int{7}},
		{input, 0, 1, []int{2}},
	}
	if len(got) != len(want) {
		t.Fatalf("plan = %v, want %d requests", got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.table != w.tab || g.start != w.start || g.count != w.count || !slices.Equal(g.points, w.points) {
			t.Errorf("request %d = %v %v, want %s %d+%d %v", i, g, g.points, w.tab, w.start, w.count, w.points)
		}
	}
}

func TestPlanMaxRegisters(t *testing.T) {
	var ps []point
	for r := uint16(0); r < 300; r++ {
		ps = append(ps, point{Point: Point{Register: r}, codec: codec{typ: typeInt16}})
	}
	got := plan(ps)
	if len(got) != 3 || got[0].count != 125 || got[1].start != 125 || got[2].count != 50 {
		t.Fatalf("plan of 300 registers = %v", got)
	}
}
