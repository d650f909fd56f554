package fwconfig

import (
	"math"
	"slices"
	"strings"
	"time"
)

// simulatedTypes lists the sensor types the gateway can simulate.
func simulatedTypes() []string {
	return []string{"modbus", "bme280", "aht20", "mcp9808", "ds18b20", "w1", "contact"}
}

// DefaultSimHumidity is a simulated sensor's mean relative humidity, %RH.
const DefaultSimHumidity = 85.0

// sensorType is one kind of sensor a configuration can name. Supporting a new driver is
// one more entry in sensorTypes: its name, whether its options block is present, and
// how to check it.
type sensorType struct {
	name    string // the value of "type", and the key of its options block
	present func(s *Sensor) bool
	check   func(k *checker, s *Sensor, path string)
}

// sensorTypes lists the known sensor types.
func sensorTypes() []sensorType {
	return []sensorType{
		{name: "modbus", present: func(s *Sensor) bool { return s.Modbus != nil }, check: (*checker).modbus},
		{name: "bme280", present: func(s *Sensor) bool { return s.BME280 != nil },
			check: func(k *checker, s *Sensor, p string) { k.driverOptions(p, s.BME280.Validate()) }},
		{name: "aht20", present: func(s *Sensor) bool { return s.AHT20 != nil },
			check: func(k *checker, s *Sensor, p string) { k.driverOptions(p, s.AHT20.Validate()) }},
		{name: "mcp9808", present: func(s *Sensor) bool { return s.MCP9808 != nil },
			check: func(k *checker, s *Sensor, p string) { k.driverOptions(p, s.MCP9808.Validate()) }},
		{name: "ds18b20", present: func(s *Sensor) bool { return s.DS18B20 != nil },
			check: func(k *checker, s *Sensor, p string) { k.driverOptions(p, s.DS18B20.Validate()) }},
		{name: "w1", present: func(s *Sensor) bool { return s.W1 != nil },
			check: func(k *checker, s *Sensor, p string) { k.driverOptions(p, s.W1.Validate()) }},
		{name: "contact", present: func(s *Sensor) bool { return s.Contact != nil },
			check: func(k *checker, s *Sensor, p string) { k.driverOptions(p, s.Contact.Validate()) }},
	}
}

// driverOptions reports a driver's own validation of its options block, one error per
// problem, at the block (each message names the field).
func (k *checker) driverOptions(path string, err error) {
	if err == nil {
		return
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			k.errorf(path, "%v", e)
		}
		return
	}
	k.errorf(path, "%v", err)
}

func sensorTypeNames() string {
	var names []string
	for _, t := range sensorTypes() {
		names = append(names, t.name)
	}
	return strings.Join(names, ", ")
}

func (k *checker) sensors() {
	seen := map[string]int{}
	for i := range k.c.Sensors {
		s := &k.c.Sensors[i]
		p := indexPath("sensors", i)
		if k.id(joinPath(p, "id"), s.ID) {
			if j, dup := seen[s.ID]; dup {
				k.errorf(joinPath(p, "id"), "sensor %q is already defined at sensors[%d]", s.ID, j)
			} else {
				seen[s.ID] = i
			}
		}
		switch {
		case s.Location == "":
			k.errorf(joinPath(p, "location"), "required: want the id of a location (%s)", k.c.locationIDs())
		case !k.c.hasLocation(s.Location) && !anyUnder("locations", k.c.bad):
			k.errorf(joinPath(p, "location"), "no location %q (%s)", s.Location, k.c.locationIDs())
		}
		if k.unset(joinPath(p, "interval"), s.Interval.Duration == 0) {
			s.Interval.Duration = DefaultInterval
		}
		if d := s.Interval.Duration; d < 100*time.Millisecond || d > 24*time.Hour {
			k.errorf(joinPath(p, "interval"), "want a duration from 100ms to 24h, got %v", d)
		}
		k.sensorType(s, p)
		k.report(&s.Report, joinPath(p, "report"))
		k.quality(s, joinPath(p, "quality"))
		if s.Simulate != nil {
			k.simulation(s, joinPath(p, "simulate"))
		}
	}
}

// sensorType checks the type and its options block, and that no other type's block is
// present.
func (k *checker) sensorType(s *Sensor, path string) {
	types := sensorTypes()
	i := slices.IndexFunc(types, func(t sensorType) bool { return t.name == s.Type })
	if s.Type == "" {
		k.errorf(joinPath(path, "type"), "required: want one of %s", sensorTypeNames())
	} else if i < 0 {
		k.errorf(joinPath(path, "type"), "unknown sensor type %q: want one of %s", s.Type, sensorTypeNames())
	}
	for j, t := range types {
		switch {
		case j == i && !t.present(s):
			k.errorf(joinPath(path, t.name), "required when type is %s", t.name)
		case j == i:
			t.check(k, s, joinPath(path, t.name))
		case t.present(s) && s.Type != "":
			k.errorf(joinPath(path, t.name), "given, but type is %q", s.Type)
		}
	}
}

func (k *checker) simulation(s *Sensor, path string) {
	sim := s.Simulate
	if types := simulatedTypes(); s.Type != "" && !slices.Contains(types, s.Type) {
		k.errorf(path, "no simulator for %s sensors (simulated: %s)", s.Type, strings.Join(types, ", "))
	}
	if k.unset(joinPath(path, "setpoint"), sim.Setpoint == 0) {
		sim.Setpoint = DefaultSetpoint
	}
	if k.unset(joinPath(path, "ambient"), sim.Ambient == 0) {
		sim.Ambient = DefaultAmbient
	}
	if k.unset(joinPath(path, "warm_tau"), sim.WarmTau.Duration == 0) {
		sim.WarmTau.Duration = DefaultWarmTau
	}
	if k.unset(joinPath(path, "humidity"), sim.Humidity == 0) {
		sim.Humidity = DefaultSimHumidity
	}
	k.celsius(joinPath(path, "setpoint"), sim.Setpoint)
	k.celsius(joinPath(path, "ambient"), sim.Ambient)
	if !(sim.Humidity >= 0 && sim.Humidity <= 100) {
		k.errorf(joinPath(path, "humidity"), "want 0 to 100 %%RH, got %v", sim.Humidity)
	}
	if sim.FailAfter.Duration < 0 {
		k.errorf(joinPath(path, "fail_after"), "want a duration of 0 (never) or more, got %v", sim.FailAfter.Duration)
	}
	if sim.WarmTau.Duration <= 0 {
		k.errorf(joinPath(path, "warm_tau"), "want a duration above 0, got %v", sim.WarmTau.Duration)
	}
	k.simFault(s, path)
}

// simFault checks when and how a simulated sensor fails.
func (k *checker) simFault(s *Sensor, path string) {
	sim := s.Simulate
	switch {
	case sim.FaultAfter.Duration < 0:
		k.errorf(joinPath(path, "fault_after"), "want a duration of 0 (never) or more, got %v", sim.FaultAfter.Duration)
	case sim.Fault != "" && sim.FaultAfter.Duration == 0:
		k.errorf(joinPath(path, "fault_after"), "required with fault: want when the sensor fails, like 30m")
	}
	if sim.Fault == "" {
		if sim.FaultAfter.Duration > 0 {
			sim.Fault = SimFaults(s.Type)[0]
		}
		return
	}
	if faults := SimFaults(s.Type); !slices.Contains(faults, sim.Fault) {
		k.errorf(joinPath(path, "fault"), "want one of %s for a %s sensor, got %q", strings.Join(faults, ", "), s.Type, sim.Fault)
	}
}

// celsius checks a plausible temperature.
func (k *checker) celsius(path string, v float64) {
	if math.IsNaN(v) || v < -100 || v > 150 {
		k.errorf(path, "want a temperature from -100 to 150 °C, got %v", v)
	}
}

func (k *checker) report(r *Report, path string) {
	if r.Heartbeat.Duration < 0 {
		k.errorf(joinPath(path, "heartbeat"), "want a duration of 0 (send every reading) or more, got %v", r.Heartbeat.Duration)
	}
	for name, v := range map[string]float64{"temperature": r.Deadband.Temperature, "humidity": r.Deadband.Humidity} {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			k.errorf(joinPath(joinPath(path, "deadband"), name), "want a change of 0 or more, got %v", v)
		}
	}
	if (r.Deadband.Temperature > 0 || r.Deadband.Humidity > 0) && r.Heartbeat.Duration == 0 {
		k.errorf(joinPath(path, "heartbeat"), "required with a deadband: want how often an unchanged value is sent anyway, like 5m")
	}
}

func (k *checker) quality(s *Sensor, path string) {
	q := &s.Quality
	if k.unset(joinPath(path, "offline_after"), q.OfflineAfter.Duration == 0) {
		q.OfflineAfter.Duration = max(5*s.Interval.Duration, time.Minute)
	}
	if q.OfflineAfter.Duration < s.Interval.Duration {
		k.errorf(joinPath(path, "offline_after"), "want at least the interval (%v), got %v", s.Interval.Duration, q.OfflineAfter.Duration)
	}
	if q.StuckAfter.Duration < 0 {
		k.errorf(joinPath(path, "stuck_after"), "want a duration of 0 (off) or more, got %v", q.StuckAfter.Duration)
	}
	for name, r := range map[string]*Range{"temperature": q.Temperature, "humidity": q.Humidity} {
		if r != nil && !(r.Min < r.Max) {
			k.errorf(joinPath(path, name), "want min below max, got min %v, max %v", r.Min, r.Max)
		}
	}
}
