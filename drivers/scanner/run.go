package scanner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/internal/backoff"
)

// Source is a barcode scanner. Run blocks until ctx ends, calling emit (from Run's
// goroutine) for every scan; a device that vanishes (USB unplugged) or cannot be
// opened is reopened with backoff. Run returns nil when ctx ends. The simulator in
// scannersim has the same method.
type Source interface {
	Run(ctx context.Context, emit func(drivers.Scan)) error
}

// Env is what a scanner needs from the program that runs it, beside its options.
type Env struct {
	Logger *slog.Logger // default slog.Default()
	// OnState, when set, is called from Run: open true once the device is open (and
	// grabbed), false with the error when it is lost or cannot be opened.
	OnState func(open bool, err error)
	// OnError, when set, is called from Run for every scan that was discarded (a
	// *ScanError); each is also logged as a warning.
	OnError func(error)
}

// New returns the scanner the options describe, with id as Scan.Scanner. Nothing is
// opened until Run.
func New(id string, o Options, env Env) (Source, error) {
	c, err := o.resolve()
	if err != nil {
		return nil, err
	}
	if env.Logger == nil {
		env.Logger = slog.Default()
	}
	s := &source{id: id, cfg: c, env: env, openInput: openInput, openPort: openPort}
	kind, path := "serial", ""
	if c.kbd != nil {
		kind, path = "keyboard", c.kbd.device
	} else {
		path = c.ser.port
	}
	s.log = env.Logger.With("scanner", id, "kind", kind, "device", path)
	s.name = fmt.Sprintf("scanner %s (%s %s)", id, kind, path)
	return s, nil
}

// source runs one configured scanner; openInput and openPort are the device seams
// the tests replace.
type source struct {
	id, name  string
	cfg       config
	env       Env
	log       *slog.Logger
	openInput func(path string, grab bool) (inputDevice, string, error)
	openPort  func(c *serConfig) (port, error)
}

func (s *source) String() string { return s.name }

// opened is a device that is open: serve reads it until ctx ends (nil) or it fails.
type opened interface {
	serve(ctx context.Context) error
	Close() error
}

func (s *source) Run(ctx context.Context, emit func(drivers.Scan)) error {
	emitScan := func(sc drivers.Scan) {
		sc.Scanner = s.id
		emit(sc)
	}
	lastErr := ""
	for attempt := 0; ; attempt++ {
		dev, desc, err := s.open(emitScan)
		if err == nil {
			attempt, lastErr = 0, ""
			s.state(true, nil)
			s.log.Info("scanner: open", "name", desc)
			err = dev.serve(ctx)
			if cerr := dev.Close(); err == nil && ctx.Err() == nil {
				err = cerr
			}
		}
		if ctx.Err() != nil {
			s.state(false, nil)
			return nil
		}
		if err == nil {
			err = errors.New("scanner: device closed")
		}
		s.state(false, err)
		d := backoff.Delay(attempt, min(firstReopen, s.cfg.reopen), s.cfg.reopen)
		// A scanner left unplugged fails every few seconds: say so once, then quietly.
		if msg := err.Error(); msg != lastErr {
			s.log.Warn("scanner: device unavailable; retrying", "err", err, "in", d)
			lastErr = msg
		} else {
			s.log.Debug("scanner: device still unavailable", "err", err, "in", d)
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			s.state(false, nil)
			return nil
		case <-t.C:
		}
	}
}

// open opens the device, with a fresh decoder or framer delivering to emit.
func (s *source) open(emit func(drivers.Scan)) (opened, string, error) {
	if k := s.cfg.kbd; k != nil {
		dev, desc, err := s.openInput(k.device, k.grab)
		if err != nil {
			return nil, "", err
		}
		return &inputScanner{dev: dev, path: k.device, dec: newDecoder(&s.cfg, emit, s.report)}, desc, nil
	}
	p, err := s.openPort(s.cfg.ser)
	if err != nil {
		return nil, "", err
	}
	c := s.cfg.ser
	desc := fmt.Sprintf("%d %d%c%d", c.baud, c.dataBits, strings.ToUpper(c.parity)[0], c.stopBits)
	return &serialScanner{port: p, path: c.port, fr: newFramer(&s.cfg, emit, s.report)}, desc, nil
}

func (s *source) state(open bool, err error) {
	if s.env.OnState != nil {
		s.env.OnState(open, err)
	}
}

// report logs a discarded scan and passes it to OnError.
func (s *source) report(err error) {
	s.log.Warn("scanner: scan discarded", "err", err)
	if s.env.OnError != nil {
		s.env.OnError(err)
	}
}

// wait returns how long to wait for input: until the deadline of a scan under way, at
// most idle.
func wait(deadline time.Time, ok bool, idle time.Duration) time.Duration {
	if !ok {
		return idle
	}
	return min(max(time.Until(deadline), 0), idle)
}
