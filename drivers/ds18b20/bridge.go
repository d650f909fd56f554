package ds18b20

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"periph.io/x/conn/v3/onewire"
	"periph.io/x/devices/v3/ds248x"

	"github.com/lotsense/lotsense/drivers/internal/i2cbus"
)

// ErrClosed is wrapped by errors from a closed Bridge or Dev.
var ErrClosed = errors.New("ds18b20: closed")

// Bridge is one 1-Wire bus master shared by the Devs of the probes wired to it. It
// lets one Dev at a time use the bus for a whole measurement (convert, wait, read), so
// the strong pull-up that powers a parasite-powered probe through its conversion is
// never cut short by another probe's traffic; a Dev waiting its turn gives up when its
// context ends.
//
// A bridge from OpenBridge opens the DS2482 on first use, not at start-up, and after an
// I²C error (which periph's ds248x keeps for good) drops it and opens it again on the
// next use. Bridges are safe for concurrent use.
type Bridge struct {
	name   string
	open   func() (onewire.Bus, io.Closer, error) // nil for a bus given to NewBridge
	turn   chan struct{}                          // a token: whoever holds it owns the bus
	bus    onewire.Bus                            // guarded by turn; nil until opened
	closer io.Closer                              // guarded by turn
	closed bool                                   // guarded by turn
}

// NewBridge wraps a 1-Wire bus the caller opened (a *ds248x.Dev, or an
// onewiretest.Playback in tests); name appears in errors. Close does not close bus.
func NewBridge(bus onewire.Bus, name string) *Bridge {
	return &Bridge{name: name, bus: bus, turn: make(chan struct{}, 1)}
}

// OpenBridge returns the DS2482 at I²C address addr on the periph bus named bus (""
// for the first bus). It checks addr but touches no hardware until first used; host.Init
// is called then.
func OpenBridge(bus string, addr uint16) (*Bridge, error) {
	if err := checkBridgeAddress(addr); err != nil {
		return nil, &ConfigError{Field: "bridge_address", Msg: err.Error()}
	}
	b := &Bridge{name: bridgeName(bus, addr), turn: make(chan struct{}, 1)}
	b.open = func() (onewire.Bus, io.Closer, error) { return openDS2482(bus, addr) }
	return b, nil
}

func bridgeName(bus string, addr uint16) string {
	if bus == "" {
		return fmt.Sprintf("DS2482 %#x on the first I²C bus", addr)
	}
	return fmt.Sprintf("DS2482 %#x on I²C bus %s", addr, bus)
}

// openDS2482 opens the I²C bus and the bridge on it through periph.
func openDS2482(bus string, addr uint16) (onewire.Bus, io.Closer, error) {
	i2cBus, err := i2cbus.Open("ds18b20", bus)
	if err != nil {
		return nil, nil, err
	}
	d, err := ds248x.New(i2cBus, addr, &ds248x.DefaultOpts)
	if err != nil {
		i2cBus.Close()
		return nil, nil, fmt.Errorf("ds18b20: DS2482 at %#x on I²C bus %q: %w", addr, bus, err)
	}
	return d, i2cBus, nil
}

// String names the bridge in errors: "DS2482 0x18 on I²C bus 1".
func (b *Bridge) String() string { return b.name }

// use runs fn with the bus once it is this caller's turn, opening the bridge if need be.
// An error from fn that is not a 1-Wire-level error (no presence pulse, short) and not
// the end of ctx drops an opened bridge, so the next use opens it afresh.
func (b *Bridge) use(ctx context.Context, fn func(onewire.Bus) error) error {
	select {
	case b.turn <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("ds18b20: waiting for %s: %w", b.name, ctx.Err())
	}
	defer func() { <-b.turn }()
	if b.closed {
		return ErrClosed
	}
	if b.bus == nil && b.open == nil {
		return fmt.Errorf("ds18b20: %s has no bus", b.name)
	}
	if b.bus == nil {
		bus, closer, err := b.open()
		if err != nil {
			return err
		}
		b.bus, b.closer = bus, closer
	}
	err := fn(b.bus)
	var busErr onewire.BusError
	if err != nil && b.open != nil && !errors.As(err, &busErr) && ctx.Err() == nil {
		b.drop()
	}
	return err
}

// drop closes an opened bridge; the caller holds the turn.
func (b *Bridge) drop() error {
	var err error
	if b.closer != nil {
		err = b.closer.Close()
	}
	if b.open != nil {
		b.bus = nil
	}
	b.closer = nil
	return err
}

// Close closes the I²C bus OpenBridge opened (not a bus given to NewBridge), after
// any measurement in progress. Devs on the bridge fail afterwards.
func (b *Bridge) Close() error {
	b.turn <- struct{}{}
	defer func() { <-b.turn }()
	if b.closed {
		return nil
	}
	b.closed = true
	if err := b.drop(); err != nil {
		return fmt.Errorf("ds18b20: close %s: %w", b.name, err)
	}
	return nil
}

// Bridges opens each bridge once and hands it to every probe configured on it. The
// gateway owns one (no package-level state); its zero value is ready to use.
// Bridges are keyed by bus name and address as written: write a bus the same way for
// every probe on it ("1" and "/dev/i2c-1" would open the same chip twice).
type Bridges struct {
	mu   sync.Mutex
	m    map[bridgeKey]*Bridge
	open func(bus string, addr uint16) (*Bridge, error) // OpenBridge; replaced in tests
}

type bridgeKey struct {
	bus  string
	addr uint16
}

// Open returns the bridge at addr (0 for DefaultBridgeAddress) on bus, opening it on
// first request.
func (r *Bridges) Open(bus string, addr uint16) (*Bridge, error) {
	if addr == 0 {
		addr = DefaultBridgeAddress
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	k := bridgeKey{bus, addr}
	if b := r.m[k]; b != nil {
		return b, nil
	}
	open := r.open
	if open == nil {
		open = OpenBridge
	}
	b, err := open(bus, addr)
	if err != nil {
		return nil, err
	}
	if r.m == nil {
		r.m = map[bridgeKey]*Bridge{}
	}
	r.m[k] = b
	return b, nil
}

// New checks opts and returns a Dev on the bridge opts name, shared with the other
// Devs this registry made for that bridge. Closing the Dev leaves the bridge open.
func (r *Bridges) New(opts Options) (*Dev, error) {
	cfg, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	b, err := r.Open(cfg.bus, cfg.bridge)
	if err != nil {
		return nil, err
	}
	return newDev(b, cfg, false), nil
}

// Close closes every bridge the registry opened.
func (r *Bridges) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for k, b := range r.m {
		errs = append(errs, b.Close())
		delete(r.m, k)
	}
	return errors.Join(errs...)
}
