package w1_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/lotsense/lotsense/drivers/ds18b20/w1"
)

// Read a probe the kernel lists. Root points at a copy of /sys/bus/w1/devices here; on
// a Raspberry Pi with dtoverlay=w1-gpio it is left empty.
func Example() {
	dev, err := w1.New(w1.Options{Root: "testdata/devices", ID: "28-0316a1b2c3ff"})
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	readings, err := dev.Poll(ctx, time.Now(), nil)
	if err != nil {
		log.Fatal(err)
	}
	r := readings[0]
	fmt.Printf("%s: %g %s (%s)\n", r.Quantity, r.Value, r.Quantity.Unit(), r.Quality)

	// The kernel's w1_slave text, parsed without a device:
	s, err := w1.ParseW1Slave("50 05 4b 46 7f ff 0c 10 1c : crc=1c YES\n50 05 4b 46 7f ff 0c 10 1c t=85000\n")
	if err != nil {
		log.Fatal(err)
	}
	_, q, err := s.Assess()
	fmt.Println(q, err)
	// Output:
	// temperature: 23.187 Cel (good)
	// bad ds18b20: power-on value: the probe reset or lost power during conversion
}
