// Package scanner reads barcode scanners at receiving, putaway and shipping stations
// and turns what they send into drivers.Scan values: USB HID scanners in
// keyboard-wedge mode through Linux input events (/dev/input, grabbed exclusively),
// and serial scanners (RS-232, USB CDC-ACM) through go.bug.st/serial.
//
// Reading is kept apart from parsing: Decoder turns input events into scans through a
// keyboard layout (us, de, fr), Framer cuts a serial byte stream at its terminator;
// both are pure and take time from their input, so recordings (testdata/keyboard) and
// byte streams test them. New returns a Source whose Run opens the device, feeds it
// to them, and reopens it with backoff when it vanishes. Package scannersim is a
// scripted scanner with the same Run method, and can drive the serial driver through
// a pseudo-terminal.
package scanner
