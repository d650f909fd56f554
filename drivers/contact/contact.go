package contact

import (
	"context"
	"errors"
	"fmt"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/host/v3"

	"github.com/lotsense/lotsense/drivers"
)

// Options configure one contact. They appear under `contact:` in a gateway
// configuration file.
type Options struct {
	// Pin is the periph pin name, e.g. "GPIO17" (BCM numbering on a Pi).
	Pin string `yaml:"pin" json:"pin"`
	// Quantity is what the contact says: door_open (default), compressor or defrost.
	Quantity string `yaml:"quantity" json:"quantity"`
	// ActiveLow: the state is active when the pin reads low (a switch closing to
	// ground with the pull-up on, the usual wiring). Default false: active high.
	ActiveLow bool `yaml:"active_low" json:"active_low"`
	// Pull is the internal resistor: up (default), down or none.
	Pull string `yaml:"pull" json:"pull"`
}

// Validate reports every problem of the options.
func (o Options) Validate() error {
	var errs []error
	if o.Pin == "" {
		errs = append(errs, errors.New("contact: pin: required, e.g. GPIO17"))
	}
	if _, err := o.quantity(); err != nil {
		errs = append(errs, err)
	}
	if _, err := o.pull(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (o Options) quantity() (drivers.Quantity, error) {
	switch o.Quantity {
	case "", "door_open":
		return drivers.DoorOpen, nil
	case "compressor":
		return drivers.CompressorRunning, nil
	case "defrost":
		return drivers.DefrostActive, nil
	}
	return 0, fmt.Errorf("contact: quantity: %q is not a state: want door_open, compressor or defrost", o.Quantity)
}

func (o Options) pull() (gpio.Pull, error) {
	switch o.Pull {
	case "", "up":
		return gpio.PullUp, nil
	case "down":
		return gpio.PullDown, nil
	case "none":
		return gpio.Float, nil
	}
	return gpio.PullNoChange, fmt.Errorf("contact: pull: %q: want up, down or none", o.Pull)
}

// Dev is one contact. Safe for one poller goroutine.
type Dev struct {
	pin       gpio.PinIO
	quantity  drivers.Quantity
	activeLow bool
}

// New configures p as an input with the pull the options ask for.
func New(p gpio.PinIO, opts Options) (*Dev, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	q, _ := opts.quantity()
	pull, _ := opts.pull()
	if err := p.In(pull, gpio.NoEdge); err != nil {
		return nil, fmt.Errorf("contact: pin %s as input: %w", p, err)
	}
	return &Dev{pin: p, quantity: q, activeLow: opts.ActiveLow}, nil
}

// Open initialises periph's host drivers and opens the named pin.
func Open(opts Options) (*Dev, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("contact: periph host init: %w", err)
	}
	p := gpioreg.ByName(opts.Pin)
	if p == nil {
		return nil, fmt.Errorf("contact: no GPIO pin %q on this board", opts.Pin)
	}
	return New(p, opts)
}

// Poll reads the pin: 1 when the state is active (door open, relay on), 0 otherwise.
func (d *Dev) Poll(ctx context.Context, now time.Time, dst []drivers.Reading) ([]drivers.Reading, error) {
	if err := ctx.Err(); err != nil {
		return append(dst, drivers.Reading{Quantity: d.quantity, Quality: drivers.Unavailable, Time: now}), err
	}
	high := d.pin.Read() == gpio.High
	v := 0.0
	if high != d.activeLow {
		v = 1
	}
	return append(dst, drivers.Reading{Quantity: d.quantity, Value: v, Quality: drivers.Good, Time: now}), nil
}

// Close leaves the pin as it is (an input draws nothing).
func (d *Dev) Close() error { return nil }

func (d *Dev) String() string { return fmt.Sprintf("contact %s (%s)", d.pin, d.quantity) }

var _ drivers.Source = (*Dev)(nil)
