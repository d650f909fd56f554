package scanner_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/scanner"
	"github.com/lotsense/lotsense/drivers/scanner/scannersim"
)

func openPTY(t *testing.T) *scannersim.PTY {
	t.Helper()
	p, err := scannersim.OpenPTY()
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// link points a stable name at a PTY, as udev points /dev/serial/by-id/… at the
// ttyACM or ttyUSB a scanner got this time.
func link(t *testing.T, name string, p *scannersim.PTY) {
	t.Helper()
	os.Remove(name)
	if err := os.Symlink(p.Path(), name); err != nil {
		t.Fatal(err)
	}
}

// The real serial driver (go.bug.st/serial) reads scans written to a pseudo-terminal:
// CR LF terminated, split across writes, one over-long; then the port vanishes (the
// USB adapter unplugged), comes back under the same stable name, and scans resume.
func TestSerialOverPTY(t *testing.T) {
	port := filepath.Join(t.TempDir(), "usb-Zebra_DS4608-if00")
	pty1 := openPTY(t)
	link(t, port, pty1)

	states := make(chan string, 10)
	errs := make(chan error, 10)
	scans := make(chan drivers.Scan, 10)
	src, err := scanner.New("ship-1", scanner.Options{
		Serial:    &scanner.SerialOptions{Port: port, Baud: 115200, Terminator: "cr"},
		MaxLength: 35,
		Reopen:    20 * time.Millisecond,
	}, scanner.Env{
		OnState: func(open bool, err error) { states <- fmt.Sprint(open, " ", err) },
		OnError: func(err error) { errs <- err },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, func(sc drivers.Scan) { scans <- sc }) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	wantState(t, states, "true")
	for _, w := range []string{"]C1001061414112345678", "97\r\n]d2010950600013435210AB\x1d", "17261231\r\n",
		"0123456789012345678901234567890123456789\r\n", "OK\r\n"} {
		if _, err := pty1.Write([]byte(w)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond) // separate reads
	}
	wantScan(t, scans, `ship-1 ]C1 "00106141411234567897"`)
	wantScan(t, scans, `ship-1 ]d2 "010950600013435210AB\x1d17261231"`)
	select {
	case err := <-errs:
		if !strings.Contains(err.Error(), "longer than max_length (40 characters") {
			t.Errorf("error %v, want the over-long scan", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("over-long scan not reported")
	}
	wantScan(t, scans, `ship-1  "OK"`)

	pty1.Close() // unplugged
	wantState(t, states, "false scanner: read "+port)
	pty2 := openPTY(t)
	link(t, port, pty2)
	wantState(t, states, "true")
	if _, err := pty2.Write([]byte("]Q3AGAIN\r")); err != nil {
		t.Fatal(err)
	}
	wantScan(t, scans, `ship-1 ]Q3 "AGAIN"`)
}

func wantState(t *testing.T, states chan string, prefix string) {
	t.Helper()
	for deadline := time.After(5 * time.Second); ; {
		select {
		case s := <-states:
			if strings.HasPrefix(s, prefix) {
				return
			}
			if !strings.HasPrefix(s, "false") { // failed reopen attempts may come between
				t.Fatalf("state %q, want %q…", s, prefix)
			}
		case <-deadline:
			t.Fatalf("no state %q…", prefix)
		}
	}
}

func wantScan(t *testing.T, scans chan drivers.Scan, want string) {
	t.Helper()
	select {
	case sc := <-scans:
		if got := fmt.Sprintf("%s %s %q", sc.Scanner, sc.Symbology, sc.Data); got != want {
			t.Errorf("scan %s, want %s", got, want)
		}
		if time.Since(sc.Time) > 5*time.Second || sc.Time.After(time.Now()) {
			t.Errorf("scan time %v, now %v", sc.Time, time.Now())
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no scan, want %s", want)
	}
}
