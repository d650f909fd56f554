package fwconfig

import (
	"slices"
	"time"

	"github.com/lotsense/lotsense/drivers/modbus"
)

// serialBauds are the line speeds a Modbus RTU port may be set to.
func serialBauds() []int { return []int{1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400} }

// serial checks a Modbus RTU serial line and fills in its defaults.
func (k *checker) serial(s *modbus.Serial, path string) {
	if s.Port == "" {
		k.errorf(joinPath(path, "port"), "required: want a serial device such as /dev/ttyUSB0")
	}
	if k.unset(joinPath(path, "baud"), s.Baud == 0) {
		s.Baud = modbus.DefaultBaud
	}
	if !slices.Contains(serialBauds(), s.Baud) {
		k.errorf(joinPath(path, "baud"), "want one of %v, got %d", serialBauds(), s.Baud)
	}
	if k.unset(joinPath(path, "data_bits"), s.DataBits == 0) {
		s.DataBits = modbus.DefaultDataBits
	}
	if s.DataBits != 7 && s.DataBits != 8 {
		k.errorf(joinPath(path, "data_bits"), "want 7 or 8, got %d", s.DataBits)
	}
	if k.unset(joinPath(path, "parity"), s.Parity == "") {
		s.Parity = modbus.DefaultParity
	}
	if !slices.Contains([]string{"none", "even", "odd"}, s.Parity) {
		k.errorf(joinPath(path, "parity"), "want none, even or odd, got %q", s.Parity)
	}
	if k.unset(joinPath(path, "stop_bits"), s.StopBits == 0) {
		s.StopBits = modbus.DefaultStopBits
	}
	if s.StopBits != 1 && s.StopBits != 2 {
		k.errorf(joinPath(path, "stop_bits"), "want 1 or 2, got %d", s.StopBits)
	}
	minPause := 1750 * time.Microsecond
	if s.Baud > 0 && s.Baud <= 19200 {
		minPause = time.Duration(float64(time.Second) * 3.5 * 11 / float64(s.Baud))
	}
	if k.unset(joinPath(path, "pause"), s.Pause == 0) {
		s.Pause = max(modbus.DefaultPause, minPause)
	}
	if s.Pause < minPause || s.Pause > time.Second {
		k.errorf(joinPath(path, "pause"), "want %v (3.5 characters at %d baud) to 1s, got %v", minPause.Round(time.Microsecond), s.Baud, s.Pause)
	}
}

// sharedBus checks a Modbus RTU sensor against the sensors before it on the same serial
// port: they share one bus, so they must agree on its settings and use different unit
// ids.
func (k *checker) sharedBus(s *Sensor, path string) {
	ser := s.Modbus.Serial
	if ser == nil || ser.Port == "" {
		return
	}
	for j := range k.c.Sensors {
		o := &k.c.Sensors[j]
		if o == s {
			return
		}
		if o.Type != "modbus" || o.Modbus == nil || o.Modbus.Serial == nil || o.Modbus.Serial.Port != ser.Port {
			continue
		}
		if *o.Modbus.Serial != *ser {
			k.errorf(joinPath(path, "serial"), "port %s is also used by sensors[%d] with other settings: devices on one bus use the same baud, data bits, parity, stop bits and pause", ser.Port, j)
		}
		if (o.Simulate == nil) != (s.Simulate == nil) {
			k.errorf(joinPath(path, "serial"), "port %s is also used by sensors[%d], and only one of them is simulated: a simulated port has simulated devices only", ser.Port, j)
		}
		if o.Modbus.UnitID == s.Modbus.UnitID {
			k.errorf(joinPath(path, "unit_id"), "sensors[%d] on %s already has unit id %d: devices on one bus need different unit ids", j, ser.Port, s.Modbus.UnitID)
		}
	}
}
