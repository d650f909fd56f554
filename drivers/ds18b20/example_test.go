package ds18b20_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"periph.io/x/conn/v3/onewire"
	"periph.io/x/conn/v3/onewire/onewiretest"

	"github.com/lotsense/lotsense/drivers/ds18b20"
)

// Poll a probe on a shared bridge. On a gateway the bridge comes from a Bridges
// registry (bus "1", address 0x18); here it is a playback of the probe's 1-Wire
// traffic, at 9 bits so the conversion wait is 94 ms.
func Example() {
	rom := "28ff641e821602bc"
	addr, err := ds18b20.ParseROM(rom)
	if err != nil {
		log.Fatal(err)
	}
	match := func(cmd byte) []byte { // Match ROM, the address LSB first, then cmd
		w := []byte{0x55}
		for i := 0; i < 8; i++ {
			w = append(w, byte(addr>>(8*i)))
		}
		return append(w, cmd)
	}
	spad := []byte{0x58, 0x00, 0x4b, 0x46, 0x1f, 0xff, 0x0c, 0x10, 0} // +5.5 °C, 9 bits
	spad[8] = onewire.CalcCRC(spad[:8])
	bus := &onewiretest.Playback{Ops: []onewiretest.IO{
		{W: match(0xbe), R: spad},                    // first contact: check the resolution
		{W: match(0x44), Pull: onewire.StrongPullup}, // Convert T
		{W: match(0xbe), R: spad},                    // Read Scratchpad
	}}

	dev, err := ds18b20.NewOnBridge(ds18b20.NewBridge(bus, "DS2482 0x18 on I²C bus 1"),
		ds18b20.Options{ROM: rom, Resolution: 9})
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()
	readings, err := dev.Poll(context.Background(), time.Now(), nil)
	if err != nil {
		log.Fatal(err)
	}
	r := readings[0]
	fmt.Printf("%s: %g %s (%s)\n", r.Quantity, r.Value, r.Quantity.Unit(), r.Quality)
	// Output:
	// temperature: 5.5 Cel (good)
}
