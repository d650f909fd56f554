package bmxx80_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"periph.io/x/conn/v3/i2c/i2ctest"

	"github.com/lotsense/lotsense/drivers/bmxx80"
)

// Poll a BME280. Here the bus is a playback of a chip's transactions; on a gateway,
// bmxx80.Open(opts) opens the real bus (host.Init, then i2creg.Open(opts.Bus)).
func Example() {
	bus := &i2ctest.Playback{Ops: []i2ctest.IO{
		{Addr: 0x76, W: []byte{0xD0}, R: []byte{0x60}}, // chip id
		{Addr: 0x76, W: []byte{0x88}, R: []byte{0x10, 0x6E, 0x6C, 0x66, 0x5E, 0x01, 0x77, 0x93, 0x98,
			0xD5, 0xD0, 0x0B, 0x67, 0x23, 0xBA, 0x00, 0xF9, 0xFF, 0xAC, 0x26, 0x0A, 0xD8, 0xBD, 0x10, 0x00, 0x4B}},
		{Addr: 0x76, W: []byte{0xE1}, R: []byte{0x6E, 0x01, 0x00, 0x13, 0x05, 0x00, 0x1E}},
		{Addr: 0x76, W: []byte{0xF4, 0x20, 0xF2, 0x01, 0xF5, 0xA0, 0xF4, 0x20}}, // configuration
		{Addr: 0x76, W: []byte{0xF4, 0x21}},                                     // measure once
		{Addr: 0x76, W: []byte{0xF3}, R: []byte{0x00}},                          // status: done
		{Addr: 0x76, W: []byte{0xF7}, R: []byte{0x80, 0x00, 0x00, 0x71, 0x2F, 0x00, 0x83, 0xA7}},
	}}
	dev, err := bmxx80.New(bus, bmxx80.Options{Bus: "1", Address: 0x76})
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
