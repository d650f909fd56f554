package modbus_test

import (
	"context"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/modbus"
	"github.com/lotsense/lotsense/drivers/modbus/modbussim"
)

// BenchmarkPollTCP is one poll cycle of a reefer controller (one merged request of
// five registers) over loopback TCP against the simulator.
func BenchmarkPollTCP(b *testing.B) {
	cfg := modbussim.DefaultConfig()
	cfg.Clock = func() time.Time { return t0 }
	sim, err := modbussim.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := sim.Start("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer sim.Stop()
	dev, err := modbus.New(modbus.Options{Address: sim.Addr(), UnitID: 1, Profile: "reefer-controller"})
	if err != nil {
		b.Fatal(err)
	}
	defer dev.Close()
	ctx := context.Background()
	var rs []drivers.Reading
	for b.Loop() {
		if rs, err = dev.Poll(ctx, t0, rs[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeProfile decodes every point of a controller profile from its words.
func BenchmarkDecodeProfile(b *testing.B) {
	min, max := -50.0, 50.0
	ps := []modbus.Point{
		{Quantity: "temperature", Type: "int16", Scale: 0.1, Unit: "Cel", Fault: []int64{32767, -32768}, Min: &min, Max: &max},
		{Quantity: "humidity", Type: "float32", Order: "CDAB", Unit: "%RH"},
		{Quantity: "door_open", Table: "discrete", Unit: "bool"},
		{Quantity: "compressor", Table: "coil", Unit: "bool"},
		{Quantity: "defrost", Type: "uint32", Order: "DCBA", Unit: "bool"},
	}
	words := [][]uint16{{35}, {0, 0x42a0}, {1}, {0}, {0, 0}}
	for b.Loop() {
		for i, p := range ps {
			if _, _, err := modbus.Decode(p, words[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
}
