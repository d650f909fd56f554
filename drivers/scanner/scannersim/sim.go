// Package scannersim is a scripted barcode scanner for tests and demos: a list of
// scans, each at an offset from the start, played on the caller's clock (the gateway's
// fast demo clock included). Run emits them as drivers.Scan through the same method as
// the real drivers (scanner.Source); Play writes them, terminated, to a serial line
// such as a PTY, so the real serial driver reads them.
package scannersim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/scanner"
)

// Scan is one scripted scan.
type Scan struct {
	At time.Duration // when, clock time after the script starts
	// Data is what the scanner sends, an AIM symbology identifier first if it sends
	// one ("]d2…"), GS as "\x1d".
	Data string
}

// Config describes a simulated scanner.
type Config struct {
	ID    string // Scan.Scanner
	Scans []Scan // in At order
	// Repeat plays the script again this long (clock time) after each start; 0: once.
	// Every At must then be shorter than Repeat.
	Repeat time.Duration
	// KeepAIM leaves an AIM identifier in Data, as a driver with aim: off would;
	// by default it goes to Scan.Symbology.
	KeepAIM bool
	// Now is the clock scans are stamped with and timed by; default time.Now.
	Now func() time.Time
	// Real converts a clock duration to the real time it takes (a clock running 60
	// times as fast: d/60); default: the same duration.
	Real func(time.Duration) time.Duration
}

// Scanner plays a script. Its methods may be used by one goroutine at a time.
type Scanner struct{ c Config }

// New checks the script and returns a scanner that plays it.
func New(c Config) (*Scanner, error) {
	var errs []error
	for i, s := range c.Scans {
		switch {
		case s.At < 0:
			errs = append(errs, fmt.Errorf("scannersim: scan %d: at %v is negative", i, s.At))
		case i > 0 && s.At < c.Scans[i-1].At:
			errs = append(errs, fmt.Errorf("scannersim: scan %d: at %v is before the scan before it", i, s.At))
		case c.Repeat > 0 && s.At >= c.Repeat:
			errs = append(errs, fmt.Errorf("scannersim: scan %d: at %v is not before repeat %v", i, s.At, c.Repeat))
		}
	}
	if c.Repeat < 0 {
		errs = append(errs, fmt.Errorf("scannersim: repeat %v is negative", c.Repeat))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Real == nil {
		c.Real = func(d time.Duration) time.Duration { return d }
	}
	return &Scanner{c: c}, errors.Join(errs...)
}

// Run emits the scripted scans at their times until ctx ends, then returns nil.
func (s *Scanner) Run(ctx context.Context, emit func(drivers.Scan)) error {
	s.play(ctx, func(sc Scan) error {
		out := drivers.Scan{Scanner: s.c.ID, Data: []byte(sc.Data), Time: s.c.Now()}
		if !s.c.KeepAIM {
			out.Symbology, out.Data = scanner.SplitAIM(out.Data)
		}
		emit(out)
		return nil
	})
	<-ctx.Done()
	return nil
}

// Play writes each scripted scan's data followed by terminator (e.g. "\r") to w at
// its time, the way a serial scanner sends it. It returns nil after the last scan of
// a script that does not repeat, ctx's error when it ends first, or a write error.
func (s *Scanner) Play(ctx context.Context, w io.Writer, terminator string) error {
	return s.play(ctx, func(sc Scan) error {
		_, err := io.WriteString(w, sc.Data+terminator)
		return err
	})
}

// play calls fn for each scan when the clock reaches its time.
func (s *Scanner) play(ctx context.Context, fn func(Scan) error) error {
	start := s.c.Now()
	for base := time.Duration(0); ; base += s.c.Repeat {
		for _, sc := range s.c.Scans {
			if err := s.until(ctx, start, base+sc.At); err != nil {
				return err
			}
			if err := fn(sc); err != nil {
				return err
			}
		}
		if s.c.Repeat <= 0 {
			return nil
		}
	}
}

// until waits until the clock is at least at after start.
func (s *Scanner) until(ctx context.Context, start time.Time, at time.Duration) error {
	for {
		left := at - s.c.Now().Sub(start)
		if left <= 0 {
			return nil
		}
		t := time.NewTimer(max(s.c.Real(left), time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

var _ scanner.Source = (*Scanner)(nil)
