package signal

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/host/v3"
)

// Options configure one output. They appear under `gpio:` of an output in a gateway
// configuration file.
type Options struct {
	// Pin is the periph pin name, e.g. "GPIO27" (BCM numbering on a Pi).
	Pin string `yaml:"pin" json:"pin"`
	// ActiveLow: the output is on when the pin is driven low (many relay boards).
	// Default false: on is high.
	ActiveLow bool `yaml:"active_low" json:"active_low"`
}

// Validate reports every problem of the options.
func (o Options) Validate() error {
	if o.Pin == "" {
		return errors.New("signal: pin: required, e.g. GPIO27")
	}
	return nil
}

// Pattern is what an output plays: Steps alternate on and off durations, starting with
// on; Repeat plays them again until Stop or another pattern.
type Pattern struct {
	Name   string
	Steps  []time.Duration
	Repeat bool
}

// The patterns the gateway uses.
var (
	// Accept is one short beep: a scan was taken.
	Accept = Pattern{Name: "accept", Steps: []time.Duration{80 * time.Millisecond}}
	// Reject is three beeps: a scan was refused (unreadable, unknown, or a held lot).
	Reject = Pattern{Name: "reject", Steps: []time.Duration{150 * time.Millisecond, 100 * time.Millisecond,
		150 * time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond}}
	// Alarm sounds half a second in every second until stopped.
	Alarm = Pattern{Name: "alarm", Steps: []time.Duration{500 * time.Millisecond, 500 * time.Millisecond}, Repeat: true}
	// Steady is on until stopped (a warning light, a relay).
	Steady = Pattern{Name: "steady", Steps: []time.Duration{time.Hour}, Repeat: true}
)

// Patterns returns the named patterns, for configuration files.
func Patterns() []Pattern { return []Pattern{Accept, Reject, Alarm, Steady} }

// PatternByName returns the named pattern.
func PatternByName(name string) (Pattern, error) {
	var names []string
	for _, p := range Patterns() {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return Pattern{}, fmt.Errorf("signal: pattern %q: want one of %s", name, strings.Join(names, ", "))
}

// Dev is one output. Its methods are safe for concurrent use.
type Dev struct {
	pin       gpio.PinOut
	activeLow bool
	name      string

	mu   sync.Mutex
	stop chan struct{} // closes to end the pattern playing; nil when idle
	done chan struct{} // closed when that pattern's goroutine has ended

	nm      sync.Mutex // guards playing; never held while waiting for a goroutine
	playing string     // the pattern playing, "" when idle
	gen     uint64     // counts Play calls, so an ended pattern clears only its own name
}

// New drives p off and returns the output.
func New(p gpio.PinOut, opts Options) (*Dev, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	d := &Dev{pin: p, activeLow: opts.ActiveLow, name: opts.Pin}
	if err := d.set(false); err != nil {
		return nil, err
	}
	return d, nil
}

// Open initialises periph's host drivers and opens the named pin.
func Open(opts Options) (*Dev, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("signal: periph host init: %w", err)
	}
	p := gpioreg.ByName(opts.Pin)
	if p == nil {
		return nil, fmt.Errorf("signal: no GPIO pin %q on this board", opts.Pin)
	}
	return New(p, opts)
}

func (d *Dev) set(on bool) error {
	l := gpio.Level(on != d.activeLow)
	if err := d.pin.Out(l); err != nil {
		return fmt.Errorf("signal: pin %s: %w", d.name, err)
	}
	return nil
}

// Play starts p, replacing whatever was playing, and returns at once. A pattern that
// does not repeat ends with the output off.
func (d *Dev) Play(p Pattern) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.halt()
	if len(p.Steps) == 0 {
		return
	}
	stop, done := make(chan struct{}), make(chan struct{})
	d.stop, d.done = stop, done
	d.nm.Lock()
	d.gen++
	gen := d.gen
	d.playing = p.Name
	d.nm.Unlock()
	go d.play(p, stop, done, gen)
}

// Playing returns the name of the pattern playing, "" when the output is idle.
func (d *Dev) Playing() string {
	d.nm.Lock()
	defer d.nm.Unlock()
	return d.playing
}

// PlayIfIdle plays p unless p is playing already (a condition that persists keeps its
// alarm going rather than restarting it at every reading).
func (d *Dev) PlayIfIdle(p Pattern) {
	if d.Playing() != p.Name {
		d.Play(p)
	}
}

// StopPattern stops the output only if p is what it plays (a beep for a scan in the
// meantime is not cut short).
func (d *Dev) StopPattern(p Pattern) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.Playing() == p.Name {
		d.halt()
	}
}

// Stop ends the pattern playing, if any, and leaves the output off.
func (d *Dev) Stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.halt()
}

// halt stops the playing goroutine and waits for it. d.mu is held.
func (d *Dev) halt() {
	if d.stop == nil {
		return
	}
	close(d.stop)
	<-d.done
	d.stop, d.done = nil, nil
	d.nm.Lock()
	d.playing = ""
	d.nm.Unlock()
}

func (d *Dev) play(p Pattern, stop, done chan struct{}, gen uint64) {
	defer close(done)
	defer func() {
		d.nm.Lock()
		if d.gen == gen {
			d.playing = ""
		}
		d.nm.Unlock()
	}()
	defer d.set(false) // best effort: the pin was writable a moment ago
	t := time.NewTimer(0)
	defer t.Stop()
	<-t.C
	for {
		for i, step := range p.Steps {
			if err := d.set(i%2 == 0); err != nil {
				return
			}
			t.Reset(step)
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
		if !p.Repeat {
			return
		}
	}
}

// Close stops the output and leaves it off.
func (d *Dev) Close() error {
	d.Stop()
	return d.set(false)
}

func (d *Dev) String() string { return "signal " + d.name }
