package modbus_test

import (
	"context"
	"fmt"
	"log"
	"math"
	"time"

	"github.com/lotsense/lotsense/drivers/modbus"
	"github.com/lotsense/lotsense/drivers/modbus/modbussim"
)

// Poll a reefer controller. Here the controller is the simulator, with a clock frozen
// at the start of its model so the output is fixed; a real gateway polls on a ticker
// from one goroutine and sets each reading's Sensor.
func Example() {
	start := time.Date(2025, 7, 1, 6, 0, 0, 0, time.UTC)
	cfg := modbussim.DefaultConfig()
	cfg.Clock = func() time.Time { return start }
	sim, err := modbussim.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	if err := sim.Start("127.0.0.1:0"); err != nil {
		log.Fatal(err)
	}
	defer sim.Stop()

	dev, err := modbus.New(modbus.Options{Address: sim.Addr(), UnitID: 1, Profile: "reefer-controller"})
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	readings, err := dev.Poll(ctx, start, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range readings {
		fmt.Printf("%s: %g %s (%s)\n", r.Quantity, math.Round(r.Value*10)/10, r.Quantity.Unit(), r.Quality)
	}
	// Output:
	// temperature: 3 Cel (good)
	// door_open: 0  (good)
	// compressor: 1  (good)
	// defrost: 0  (good)
}
