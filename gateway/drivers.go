package gateway

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/i2c"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/aht20"
	"github.com/lotsense/lotsense/drivers/bmxx80"
	"github.com/lotsense/lotsense/drivers/contact"
	"github.com/lotsense/lotsense/drivers/ds18b20"
	"github.com/lotsense/lotsense/drivers/ds18b20/w1"
	"github.com/lotsense/lotsense/drivers/mcp9808"
	"github.com/lotsense/lotsense/drivers/modbus"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
)

// shared holds what several sensors use together and the run closes at the end:
// RS-485 buses (one per serial port, requests taking turns) and DS2482 bridges.
type shared struct {
	buses   map[string]*modbus.Bus
	bridges ds18b20.Bridges
}

func (sh *shared) close() error {
	errs := []error{sh.bridges.Close()}
	for _, b := range sh.buses {
		errs = append(errs, b.Close())
	}
	return errors.Join(errs...)
}

// opener returns a function that opens the driver of one configured sensor, and the
// quantities it measures (what a sensor that cannot be opened reports as unavailable).
// sim, when not nil, is the simulator standing in for the device.
func (sh *shared) opener(sc *fwconfig.Sensor, sim *simulated) (func() (drivers.Source, error), []drivers.Quantity) {
	th := []drivers.Quantity{drivers.Temperature, drivers.RelativeHumidity}
	t := []drivers.Quantity{drivers.Temperature}
	if sim == nil {
		sim = &simulated{}
	}
	switch {
	case sc.Modbus != nil:
		opts := *sc.Modbus
		if sim.modbusAddr != "" {
			opts.Address = sim.modbusAddr
		}
		if sim.serialPort != "" && opts.Serial != nil {
			ser := *opts.Serial
			ser.Port = sim.serialPort
			opts.Serial = &ser
		}
		return func() (drivers.Source, error) { return sh.modbus(opts) }, nil
	case sim.i2c != nil:
		return i2cOpener(sc, sim.i2c)
	case sc.BME280 != nil:
		return func() (drivers.Source, error) { return source(bmxx80.Open(*sc.BME280)) }, th
	case sc.AHT20 != nil:
		return func() (drivers.Source, error) { return source(aht20.Open(*sc.AHT20)) }, th
	case sc.MCP9808 != nil:
		return func() (drivers.Source, error) { return source(mcp9808.Open(*sc.MCP9808)) }, t
	case sim.w1Root != "":
		opts := w1.Options{Root: sim.w1Root, ID: sim.w1ID}
		return func() (drivers.Source, error) { return source(w1.New(opts)) }, t
	case sc.DS18B20 != nil:
		return func() (drivers.Source, error) { return source(sh.bridges.New(*sc.DS18B20)) }, t
	case sc.W1 != nil:
		return func() (drivers.Source, error) { return source(w1.New(*sc.W1)) }, t
	case sim.pin != nil && sc.Contact != nil:
		return func() (drivers.Source, error) { return source(contact.New(sim.pin, *sc.Contact)) }, []drivers.Quantity{contactQuantity(sc.Contact)}
	case sc.Contact != nil:
		return func() (drivers.Source, error) { return source(contact.Open(*sc.Contact)) }, []drivers.Quantity{contactQuantity(sc.Contact)}
	}
	return func() (drivers.Source, error) {
		return nil, fmt.Errorf("sensor type %q has no driver in this build", sc.Type)
	}, nil
}

// i2cOpener opens an I²C sensor's driver on a bus the caller owns (a simulated one).
func i2cOpener(sc *fwconfig.Sensor, bus i2c.Bus) (func() (drivers.Source, error), []drivers.Quantity) {
	th := []drivers.Quantity{drivers.Temperature, drivers.RelativeHumidity}
	switch {
	case sc.BME280 != nil:
		return func() (drivers.Source, error) { return source(bmxx80.New(bus, *sc.BME280)) }, th
	case sc.AHT20 != nil:
		return func() (drivers.Source, error) { return source(aht20.New(bus, *sc.AHT20)) }, th
	case sc.MCP9808 != nil:
		return func() (drivers.Source, error) { return source(mcp9808.New(bus, *sc.MCP9808)) }, []drivers.Quantity{drivers.Temperature}
	}
	return func() (drivers.Source, error) {
		return nil, fmt.Errorf("sensor type %q is not an I²C chip", sc.Type)
	}, nil
}

// source turns a constructor's result into an interface value that is nil on error
// (a nil *Dev inside a non-nil drivers.Source would pass the nil check and panic).
func source[T drivers.Source](d T, err error) (drivers.Source, error) {
	if err != nil {
		return nil, err
	}
	return d, nil
}

// modbus opens a Modbus device: over TCP on its own, over RS-485 on the bus of its port.
func (sh *shared) modbus(opts modbus.Options) (drivers.Source, error) {
	if opts.Serial == nil {
		return source(modbus.New(opts))
	}
	bus := sh.buses[opts.Serial.Port]
	if bus == nil {
		var err error
		if bus, err = modbus.OpenBus(*opts.Serial); err != nil {
			return nil, err
		}
		if sh.buses == nil {
			sh.buses = map[string]*modbus.Bus{}
		}
		sh.buses[opts.Serial.Port] = bus
	}
	return source(modbus.NewOnBus(bus, opts))
}

// lazySource opens its driver on first use and again after opening failed, so a
// sensor unplugged at start (no I²C bus yet, a USB adapter missing) neither stops the
// gateway nor goes silent: until it opens, each poll yields unavailable readings.
type lazySource struct {
	name       string
	open       func() (drivers.Source, error)
	quantities []drivers.Quantity

	mu      sync.Mutex
	src     drivers.Source
	lastTry time.Time
	err     error
}

// retryOpen bounds how often a failing open is tried again.
const retryOpen = 30 * time.Second

func (l *lazySource) Poll(ctx context.Context, now time.Time, dst []drivers.Reading) ([]drivers.Reading, error) {
	l.mu.Lock()
	if l.src == nil && (l.lastTry.IsZero() || time.Since(l.lastTry) >= retryOpen) {
		l.lastTry = time.Now()
		l.src, l.err = l.open()
	}
	src, err := l.src, l.err
	l.mu.Unlock()
	if src != nil {
		return src.Poll(ctx, now, dst)
	}
	for _, q := range l.quantities {
		dst = append(dst, drivers.Reading{Quantity: q, Quality: drivers.Unavailable, Time: now})
	}
	return dst, fmt.Errorf("gateway: sensor %s cannot be opened: %w", l.name, err)
}

func (l *lazySource) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.src == nil {
		return nil
	}
	return l.src.Close()
}

// contactQuantity is the state a contact reports (door_open unless configured).
func contactQuantity(o *contact.Options) drivers.Quantity {
	q, err := drivers.ParseQuantity(o.Quantity)
	if err != nil {
		return drivers.DoorOpen
	}
	return q
}
