package scanner_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/scanner"
)

// A serial scanner's bytes, as two reads split them, cut into scans.
func ExampleFramer() {
	f, err := scanner.NewFramer(scanner.Options{Serial: &scanner.SerialOptions{Port: "/dev/ttyACM0"}},
		func(sc drivers.Scan) { fmt.Printf("%s %q\n", sc.Symbology, sc.Data) },
		func(err error) { fmt.Println(err) })
	if err != nil {
		panic(err)
	}
	now := time.Now()
	f.Feed([]byte("]d2010950600013435210LOT-7\x1d17261"), now)
	f.Feed([]byte("231\r\n]C100106141411234567897\r\nABC\x00\r\n"), now.Add(2*time.Millisecond))
	// Output:
	// ]d2 "010950600013435210LOT-7\x1d17261231"
	// ]C1 "00106141411234567897"
	// scanner: scan discarded: NUL byte (line noise, or a parity or framing error) (4 characters: "ABC\x00")
}

// Running a USB keyboard-wedge scanner until the program stops.
func ExampleNew() {
	src, err := scanner.New("receiving-1", scanner.Options{
		Keyboard: &scanner.KeyboardOptions{Device: "/dev/input/by-id/usb-Honeywell_Imaging___Mobility_1950-event-kbd"},
	}, scanner.Env{Logger: slog.Default()})
	if err != nil {
		panic(err)
	}
	ctx, stop := context.WithTimeout(context.Background(), time.Millisecond)
	defer stop()
	src.Run(ctx, func(sc drivers.Scan) { fmt.Printf("%s: %s %q\n", sc.Scanner, sc.Symbology, sc.Data) })
}
