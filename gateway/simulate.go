package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/conn/v3/i2c"

	"github.com/lotsense/lotsense/drivers/ds18b20"
	"github.com/lotsense/lotsense/drivers/ds18b20/ds18b20sim"
	"github.com/lotsense/lotsense/drivers/i2csim"
	"github.com/lotsense/lotsense/drivers/modbus"
	"github.com/lotsense/lotsense/drivers/modbus/modbussim"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
)

// simulated is what a simulator puts in place of a sensor's real device; the real
// driver then reads it.
type simulated struct {
	modbusAddr string     // Modbus TCP: the simulator's host:port
	serialPort string     // Modbus RTU: the pseudo-terminal standing in for the serial port
	i2c        i2c.Bus    // I²C chips: a simulated bus with the chip on it
	w1Root     string     // DS18B20: the directory standing in for /sys/bus/w1/devices
	w1ID       string     // and the probe's directory in it
	pin        gpio.PinIO // a contact: a test pin the simulator drives
}

// simulators runs the simulated devices of a run, all on the gateway's clock (so a
// fast demo clock makes rooms warm up and sensors fail fast too).
type simulators struct {
	g      *gw
	ports  map[string]*modbussim.PTY // simulated RS-485 ports by configured port
	w1Root string                    // created on first use
	ctx    context.Context           // ends when the simulators stop
	cancel context.CancelFunc
	wg     sync.WaitGroup
	stops  []func() error
}

// newSimulators starts one pseudo-terminal per simulated Modbus RTU port, serving
// every simulated unit configured on it. Call stop even when err is not nil.
func newSimulators(g *gw, sensors []*fwconfig.Sensor) (*simulators, error) {
	s := &simulators{g: g, ports: map[string]*modbussim.PTY{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	units := map[string]map[uint8]*modbussim.Server{}
	for _, sc := range sensors {
		if sc.Simulate == nil || sc.Modbus == nil || sc.Modbus.Serial == nil {
			continue
		}
		sim, err := s.model(sc)
		if err != nil {
			return s, err
		}
		port := sc.Modbus.Serial.Port
		if units[port] == nil {
			units[port] = map[uint8]*modbussim.Server{}
		}
		units[port][sc.Modbus.UnitID] = sim
	}
	for port, devs := range units {
		pty, err := modbussim.ServePTY(devs)
		if err != nil {
			return s, fmt.Errorf("gateway: simulated Modbus RTU port %s: %w", port, err)
		}
		s.ports[port] = pty
		s.stops = append(s.stops, pty.Close)
		g.log.Info("simulated Modbus RTU port", "port", port, "pty", pty.Path(), "units", len(devs))
	}
	return s, nil
}

// model returns the thermal model of a simulated sensor: modbussim's, which a Modbus
// simulator serves and the other simulators read.
func (s *simulators) model(sc *fwconfig.Sensor) (*modbussim.Server, error) {
	sm := sc.Simulate
	c := modbussim.DefaultConfig()
	c.Setpoint, c.Ambient, c.Humidity = sm.Setpoint, sm.Ambient, sm.Humidity
	c.FailAt, c.WarmTau, c.Clock = sm.FailAfter.Duration, sm.WarmTau.Duration, s.g.clock.Now
	if sc.Modbus != nil {
		switch sm.Fault {
		case "silent":
			c.SilentAt = sm.FaultAfter.Duration
		case "bad":
			c.FaultAt = sm.FaultAfter.Duration
		}
	}
	sim, err := modbussim.New(c)
	if err != nil {
		return nil, fmt.Errorf("gateway: sensor %s simulator: %w", sc.ID, err)
	}
	return sim, nil
}

// start starts the simulator of a sensor and says what stands in for its device; nil
// when the sensor is not simulated.
func (s *simulators) start(sc *fwconfig.Sensor) (*simulated, error) {
	switch {
	case sc.Simulate == nil:
		return nil, nil
	case sc.Modbus != nil && sc.Modbus.Serial != nil:
		return &simulated{serialPort: s.ports[sc.Modbus.Serial.Port].Path()}, nil
	case sc.Modbus != nil:
		return s.modbusTCP(sc)
	case sc.W1 != nil:
		return s.probe(sc, sc.W1.ID)
	case sc.Contact != nil:
		return s.contact(sc)
	case sc.DS18B20 != nil:
		// Read as the kernel's w1 files of the same ROM code: there is no simulated
		// DS2482 bridge.
		addr, err := ds18b20.ParseROM(sc.DS18B20.ROM)
		if err != nil {
			return nil, fmt.Errorf("gateway: sensor %s simulator: %w", sc.ID, err)
		}
		return s.probe(sc, fmt.Sprintf("28-%012x", uint64(addr)>>8&0xFFFFFFFFFFFF))
	}
	return s.i2c(sc)
}

// modbusTCP starts a Modbus TCP simulator on the sensor's address.
func (s *simulators) modbusTCP(sc *fwconfig.Sensor) (*simulated, error) {
	sim, err := s.model(sc)
	if err != nil {
		return nil, err
	}
	addr := sc.Modbus.Address
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, modbus.DefaultPort)
	}
	s.stops = append(s.stops, sim.Stop)
	if err := sim.Start(addr); err != nil {
		return nil, fmt.Errorf("gateway: sensor %s simulator: %w", sc.ID, err)
	}
	s.g.log.Info("simulated Modbus sensor", "sensor", sc.ID, "address", sim.Addr(), "fail_after", sc.Simulate.FailAfter.Duration)
	return &simulated{modbusAddr: sim.Addr()}, nil
}

// i2c puts a simulated chip on a simulated bus of its own.
func (s *simulators) i2c(sc *fwconfig.Sensor) (*simulated, error) {
	model, err := s.model(sc)
	if err != nil {
		return nil, err
	}
	faults := map[string]i2csim.Fault{"silent": i2csim.Silent, "reset": i2csim.Reset, "crc": i2csim.CRC}
	cfg := i2csim.Config{Model: model, Clock: s.g.clock.Now, Fault: faults[sc.Simulate.Fault], FaultAt: sc.Simulate.FaultAfter.Duration}
	var chip i2csim.Chip
	var bus string
	switch {
	case sc.BME280 != nil:
		chip, err = i2csim.NewBME280(orDefault(sc.BME280.Address, 0x76), cfg)
		bus = sc.BME280.Bus
	case sc.AHT20 != nil:
		chip, err = i2csim.NewAHT20(cfg)
		bus = sc.AHT20.Bus
	case sc.MCP9808 != nil:
		chip, err = i2csim.NewMCP9808(orDefault(sc.MCP9808.Address, 0x18), cfg)
		bus = sc.MCP9808.Bus
	default:
		return nil, fmt.Errorf("gateway: sensor %s: type %q has no simulator", sc.ID, sc.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("gateway: sensor %s simulator: %w", sc.ID, err)
	}
	b, err := i2csim.NewBus(bus, chip)
	if err != nil {
		return nil, fmt.Errorf("gateway: sensor %s simulator: %w", sc.ID, err)
	}
	s.stops = append(s.stops, b.Close)
	s.g.log.Info("simulated I²C sensor", "sensor", sc.ID, "chip", chip.String(), "fault", sc.Simulate.Fault, "fault_after", sc.Simulate.FaultAfter.Duration)
	return &simulated{i2c: b}, nil
}

// orDefault returns v, or def when v is zero.
func orDefault(v, def uint16) uint16 {
	if v == 0 {
		return def
	}
	return v
}

// probe writes a simulated DS18B20's w1_slave file now and then on a timer, twice per
// poll interval (real time).
func (s *simulators) probe(sc *fwconfig.Sensor, id string) (*simulated, error) {
	if s.w1Root == "" {
		dir, err := os.MkdirTemp("", "lotsense-w1sim-")
		if err != nil {
			return nil, fmt.Errorf("gateway: simulated w1 devices: %w", err)
		}
		s.w1Root = dir
		s.stops = append(s.stops, func() error { return os.RemoveAll(dir) })
	}
	model, err := s.model(sc)
	if err != nil {
		return nil, err
	}
	faults := map[string]ds18b20sim.Fault{"silent": ds18b20sim.Silent, "crc": ds18b20sim.CRC, "power_on": ds18b20sim.PowerOn}
	p, err := ds18b20sim.New(ds18b20sim.Config{Root: s.w1Root, ID: id, Temperature: model.Temperature, Clock: s.g.clock.Now,
		Fault: faults[sc.Simulate.Fault], FaultAt: sc.Simulate.FaultAfter.Duration})
	if err != nil {
		return nil, fmt.Errorf("gateway: sensor %s simulator: %w", sc.ID, err)
	}
	every := min(max(s.g.clock.Real(sc.Interval.Duration)/2, 5*time.Millisecond), time.Second)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := p.Run(s.ctx, every); err != nil {
			s.g.log.Warn("simulated w1 probe stopped", "sensor", sc.ID, "err", err)
		}
	}()
	s.g.log.Info("simulated w1 probe", "sensor", sc.ID, "dir", p.Dir(), "fault", sc.Simulate.Fault, "fault_after", sc.Simulate.FaultAfter.Duration)
	return &simulated{w1Root: s.w1Root, w1ID: id}, nil
}

// contact simulates a GPIO input following the room's script: the door opens now and
// then, the compressor stops during defrost and after a failure; fault "stuck" holds
// the input idle (a broken wire) after fault_after.
func (s *simulators) contact(sc *fwconfig.Sensor) (*simulated, error) {
	model, err := s.model(sc)
	if err != nil {
		return nil, err
	}
	state := map[string]func(time.Time) bool{
		"": model.DoorOpen, "door_open": model.DoorOpen, "compressor": model.CompressorRunning, "defrost": model.Defrosting,
	}[sc.Contact.Quantity]
	start, clock, sim, activeLow := s.g.clock.Now(), s.g.clock.Now, sc.Simulate, sc.Contact.ActiveLow
	pin := &simPin{Pin: gpiotest.Pin{N: sc.Contact.Pin}, level: func() gpio.Level {
		now := clock()
		active := state(now) && !(sim.Fault == "stuck" && now.Sub(start) >= sim.FaultAfter.Duration)
		return gpio.Level(active != activeLow)
	}}
	s.g.log.Info("simulated contact", "sensor", sc.ID, "pin", sc.Contact.Pin, "quantity", sc.Contact.Quantity)
	return &simulated{pin: pin}, nil
}

// simPin is a test pin whose level the simulation computes when it is read.
type simPin struct {
	gpiotest.Pin
	level func() gpio.Level
}

func (p *simPin) Read() gpio.Level { return p.level() }

// stop stops every simulator; the w1 files go last, once their writers stopped.
func (s *simulators) stop() error {
	s.cancel()
	s.wg.Wait()
	var errs []error
	for _, f := range s.stops {
		errs = append(errs, f())
	}
	return errors.Join(errs...)
}
