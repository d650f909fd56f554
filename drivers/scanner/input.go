package scanner

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/holoplot/go-evdev"
)

// inputDevice is an open input event device: *evdev.InputDevice, or a test's fake.
// Close must make a blocked ReadSlice return.
type inputDevice interface {
	ReadSlice(n int) ([]evdev.InputEvent, error)
	Close() error
}

// openInput opens an input event device read-only, grabs it when asked and puts it in
// non-blocking mode, so that Close interrupts a read (go-evdev's NonBlock; no other
// InputDevice method may be called after it). It returns the device's name.
func openInput(path string, grab bool) (inputDevice, string, error) {
	d, err := evdev.OpenWithFlags(path, os.O_RDONLY)
	if err != nil {
		return nil, "", fmt.Errorf("scanner: open %s: %w", path, err)
	}
	name, _ := d.Name()
	if grab {
		if err := d.Grab(); err != nil {
			d.Close()
			return nil, "", fmt.Errorf("scanner: grab %s (%s): %w (does another program hold it?)", path, name, err)
		}
	}
	if err := d.NonBlock(); err != nil {
		d.Close()
		return nil, "", fmt.Errorf("scanner: %s: non-blocking mode: %w", path, err)
	}
	return d, name, nil
}

// inputScanner serves one open keyboard-wedge scanner: a goroutine reads events, the
// serving goroutine decodes them and fires the character timeout.
type inputScanner struct {
	dev  inputDevice
	path string
	dec  *Decoder
	once sync.Once
}

// idleWait bounds a wait for input when no scan is under way (only ctx can end it).
const idleWait = time.Hour

func (s *inputScanner) serve(ctx context.Context) error {
	evc := make(chan []evdev.InputEvent)
	errc := make(chan error, 1)
	done := make(chan struct{})
	stop := make(chan struct{})
	go func() {
		defer close(done)
		for {
			evs, err := s.dev.ReadSlice(64)
			if err != nil {
				errc <- err
				return
			}
			select {
			case evc <- evs:
			case <-stop:
				return
			}
		}
	}()
	defer func() {
		close(stop)
		s.Close() // wakes the reader
		<-done
	}()
	timer := time.NewTimer(idleWait)
	defer timer.Stop()
	for {
		dl, ok := s.dec.Deadline()
		timer.Reset(wait(dl, ok, idleWait))
		select {
		case <-ctx.Done():
			return nil
		case evs := <-evc:
			for _, ev := range evs {
				s.dec.Feed(ev)
			}
		case <-timer.C:
			s.dec.Expire(time.Now())
		case err := <-errc:
			s.dec.abandon(time.Now())
			return fmt.Errorf("scanner: read %s: %w", s.path, err)
		}
	}
}

func (s *inputScanner) Close() error {
	var err error
	s.once.Do(func() { err = s.dev.Close() })
	return err
}
