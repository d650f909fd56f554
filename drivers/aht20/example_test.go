package aht20_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"periph.io/x/conn/v3/i2c/i2ctest"

	"github.com/lotsense/lotsense/drivers/aht20"
)

// Poll an AHT20. Here the bus is a playback of a chip's transactions; on a gateway,
// aht20.Open(opts) opens the real bus (host.Init, then i2creg.Open(opts.Bus)).
func Example() {
	bus := &i2ctest.Playback{Ops: []i2ctest.IO{
		{Addr: 0x38, W: []byte{0x71}, R: []byte{0x1C}},                    // status: calibrated
		{Addr: 0x38, W: []byte{0xAC, 0x33, 0x00}},                         // trigger a measurement
		{Addr: 0x38, R: []byte{0x1C, 0xC0, 0x00, 0x04, 0x51, 0xEC, 0xAC}}, // state, data, CRC
	}}
	dev, err := aht20.New(bus, aht20.Options{Bus: "1"})
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()

	readings, err := dev.Poll(context.Background(), time.Now(), nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range readings {
		fmt.Printf("%s: %.2f %s (%s)\n", r.Quantity, r.Value, r.Quantity.Unit(), r.Quality)
	}
	// Output:
	// temperature: 4.00 Cel (good)
	// humidity: 75.00 %RH (good)
}
