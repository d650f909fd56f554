package llrp_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/llrp"
	"github.com/lotsense/lotsense/drivers/llrp/llrpsim"
)

func ExampleRun() {
	sim, err := llrpsim.Start(llrpsim.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	defer sim.Close()
	sim.Play(llrpsim.Pass{Tags: [][]byte{epc(0x85)}, Antennas: []uint16{1, 2}, RSSI: []float64{-61, -47}})

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	reads := 0
	opts := llrp.Options{Address: sim.Addr(), Reader: "door1", Antennas: []uint16{1, 2}, Logger: slog.New(slog.DiscardHandler)}
	err = llrp.Run(ctx, opts, func(tags []drivers.TagRead) {
		for _, t := range tags {
			fmt.Printf("%s ant %d %x %.0f dBm\n", t.Reader, t.Antenna, t.EPC, t.RSSI)
		}
		if reads += len(tags); reads == 2 {
			cancel() // Run sends CLOSE_CONNECTION and returns nil
		}
	})
	fmt.Println(err)
	// Output:
	// door1 ant 1 3074257bf7194e4000001a85 -61 dBm
	// door1 ant 2 3074257bf7194e4000001a85 -47 dBm
	// <nil>
}
