package mcp9808_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"periph.io/x/conn/v3/i2c/i2ctest"

	"github.com/lotsense/lotsense/drivers/mcp9808"
)

// Poll an MCP9808. Here the bus is a playback of a chip's transactions; on a gateway,
// mcp9808.Open(opts) opens the real bus (host.Init, then i2creg.Open(opts.Bus)).
func Example() {
	bus := &i2ctest.Playback{Ops: []i2ctest.IO{
		{Addr: 0x18, W: []byte{0x06}, R: []byte{0x00, 0x54}}, // manufacturer id: Microchip
		{Addr: 0x18, W: []byte{0x07}, R: []byte{0x04, 0x00}}, // device id: MCP9808
		{Addr: 0x18, W: []byte{0x01}, R: []byte{0x00, 0x00}}, // configuration: converting
		{Addr: 0x18, W: []byte{0x08, 0x03}},                  // resolution 0.0625 °C
		{Addr: 0x18, W: []byte{0x01, 0x00, 0x00}},            // continuous conversion
		{Addr: 0x18, W: []byte{0x05}, R: []byte{0x00, 0x4C}}, // ambient temperature
		{Addr: 0x18, W: []byte{0x01, 0x01, 0x00}},            // Close: shutdown
	}}
	dev, err := mcp9808.New(bus, mcp9808.Options{Bus: "1"})
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
	// temperature: 4.75 Cel (good)
}
