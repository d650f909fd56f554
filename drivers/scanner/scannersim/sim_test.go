package scannersim_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/scanner"
	"github.com/lotsense/lotsense/drivers/scanner/scannersim"
)

// fastClock runs speed times as fast as real time, like the gateway's demo clock.
type fastClock struct {
	start, origin time.Time
	speed         float64
}

func newFastClock(speed float64) *fastClock {
	return &fastClock{start: time.Now(), origin: time.Date(2026, 5, 4, 6, 0, 0, 0, time.UTC), speed: speed}
}

func (c *fastClock) Now() time.Time {
	return c.origin.Add(time.Duration(float64(time.Since(c.start)) * c.speed))
}

func (c *fastClock) Real(d time.Duration) time.Duration { return time.Duration(float64(d) / c.speed) }

var script = []scannersim.Scan{
	{At: 2 * time.Minute, Data: "]d2010950600013435210DEMO-B2\x1d17261231"},
	{At: 5 * time.Minute, Data: "]C100106141411234567897"},
	{At: 9 * time.Minute, Data: "https://id.gs1.org/01/09506000134352/10/DEMO-B2"},
}

// Played on a clock 1200 times as fast (a minute in 50ms): every scan comes in order,
// stamped with clock time no earlier than its offset, and the script repeats.
func TestRunOnFastClock(t *testing.T) {
	clock := newFastClock(1200)
	sim, err := scannersim.New(scannersim.Config{ID: "recv-1", Scans: script, Repeat: 10 * time.Minute, Now: clock.Now, Real: clock.Real})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	scans := make(chan drivers.Scan)
	done := make(chan error, 1)
	start := clock.Now()
	go func() { done <- sim.Run(ctx, func(sc drivers.Scan) { scans <- sc }) }()
	for i := range 2 * len(script) {
		sc := <-scans
		want := script[i%len(script)]
		sym, data := scanner.SplitAIM([]byte(want.Data))
		if sc.Scanner != "recv-1" || sc.Symbology != sym || string(sc.Data) != string(data) {
			t.Errorf("scan %d: %s %s %q, want %s %q", i, sc.Scanner, sc.Symbology, sc.Data, sym, data)
		}
		at := want.At + time.Duration(i/len(script))*10*time.Minute
		if got := sc.Time.Sub(start); got < at || got > at+time.Minute {
			t.Errorf("scan %d at +%v, want +%v (within a clock minute)", i, got, at)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestNewChecksTheScript(t *testing.T) {
	_, err := scannersim.New(scannersim.Config{Repeat: time.Minute, Scans: []scannersim.Scan{
		{At: -time.Second}, {At: 30 * time.Second}, {At: 10 * time.Second}, {At: time.Minute},
	}})
	for _, want := range []string{"scan 0: at -1s is negative", "scan 2: at 10s is before the scan before it", "scan 3: at 1m0s is not before repeat 1m0s"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

// Play writes the script to a pseudo-terminal, where the real serial driver reads it:
// the scans that come out equal those Run emits.
func TestPlayThroughTheSerialDriver(t *testing.T) {
	pty, err := scannersim.OpenPTY()
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	defer pty.Close()
	clock := newFastClock(6000)
	sim, err := scannersim.New(scannersim.Config{ID: "recv-1", Scans: script, Now: clock.Now, Real: clock.Real})
	if err != nil {
		t.Fatal(err)
	}
	opened := make(chan bool, 10)
	src, err := scanner.New("recv-1", scanner.Options{Serial: &scanner.SerialOptions{Port: pty.Path(), Terminator: "crlf"}},
		scanner.Env{OnState: func(open bool, err error) { opened <- open }, OnError: func(err error) { t.Error(err) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	scans := make(chan drivers.Scan, len(script))
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, func(sc drivers.Scan) { scans <- sc }) }()
	if !<-opened {
		t.Fatal("port not opened")
	}
	if err := sim.Play(ctx, pty, "\r\n"); err != nil {
		t.Fatal(err)
	}
	for i, want := range script {
		select {
		case sc := <-scans:
			sym, data := scanner.SplitAIM([]byte(want.Data))
			if got := fmt.Sprintf("%s %s %q", sc.Scanner, sc.Symbology, sc.Data); got != fmt.Sprintf("recv-1 %s %q", sym, data) {
				t.Errorf("scan %d: %s, want %s %q", i, got, sym, data)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("scan %d did not arrive", i)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
