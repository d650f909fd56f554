package fwconfig

import (
	"path/filepath"

	"github.com/lotsense/lotsense/drivers/aht20"
	"github.com/lotsense/lotsense/drivers/bmxx80"
	"github.com/lotsense/lotsense/drivers/contact"
	"github.com/lotsense/lotsense/drivers/ds18b20"
	"github.com/lotsense/lotsense/drivers/ds18b20/w1"
	"github.com/lotsense/lotsense/drivers/gs1"
	"github.com/lotsense/lotsense/drivers/mcp9808"
	"github.com/lotsense/lotsense/drivers/modbus"
)

// Config is one gateway's configuration file.
type Config struct {
	Site      string     `yaml:"site"`    // site id: 1-64 of [a-z0-9._-], first a letter or digit
	Gateway   string     `yaml:"gateway"` // gateway id, same rule; unique within the site
	MQTT      MQTT       `yaml:"mqtt"`
	Outbox    Outbox     `yaml:"outbox"`
	API       API        `yaml:"api"`
	Locations []Location `yaml:"locations"`
	Sensors   []Sensor   `yaml:"sensors"`
	// Readers are the RFID readers of the dock-door portals; Portal maps their antennas
	// to doors.
	Readers []Reader `yaml:"readers"`
	Portal  Portal   `yaml:"portal"`
	// Stations are barcode scanner stations; Outputs the buzzers, lights and relays that
	// stations and doors signal on.
	Stations []Station `yaml:"stations"`
	Outputs  []Output  `yaml:"outputs"`
	// Lots the gateway may meet at its doors that are not stored at any of its locations
	// yet (an expected delivery), with the tags that stand for them.
	Lots []Lot `yaml:"lots"`
	// Rules configures the local excursion rules (see Location.Profile).
	Rules Rules `yaml:"rules"`

	file string         // name used in messages
	pos  map[string]pos // where each value was written, by path ("sensors[0].interval")
	bad  []string       // paths whose values could not be decoded: not checked again
}

// MQTT says how the gateway reaches the broker.
type MQTT struct {
	// Broker is tcp://host:port, or ssl://, tls:// or mqtts:// for TLS.
	// Default tcp://127.0.0.1:1883.
	Broker string `yaml:"broker"`
	// ClientID defaults to "lotsense-" + the gateway id.
	ClientID string `yaml:"client_id"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// CAFile verifies the broker; CertFile and KeyFile are the gateway's identity.
	// All three need a TLS broker scheme; CertFile and KeyFile go together.
	CAFile   string `yaml:"ca_file"`
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// KeepAlive is the MQTT keep-alive interval; default 30s, 1s to 18h12m15s.
	KeepAlive Duration `yaml:"keep_alive"`
	// BatchSize is the most readings per message; default 1000, 1 to 100000.
	BatchSize int `yaml:"batch_size"`
	// MaxInflight is the most unacknowledged messages; default 8, 1 to 1024.
	MaxInflight int `yaml:"max_inflight"`
	// DrainRate bounds the readings per second sent while a backlog drains after an
	// outage (alarms and events are never held back); 0, the default, sends as fast
	// as the broker acknowledges.
	DrainRate float64 `yaml:"drain_rate"`
}

// Outbox is the durable queue between the sensors and the broker.
type Outbox struct {
	// Dir defaults to ./data/gateway/<gateway>. A relative path is resolved against the
	// gateway process's working directory, not against the configuration file.
	Dir string `yaml:"dir"`
	// MaxBytes bounds the outbox on disk; default 1GiB, at least 1MiB.
	MaxBytes ByteSize `yaml:"max_bytes"`
	// BudgetPolicy is what happens to routine readings once they use 90% of
	// MaxBytes (the rest is kept for alarms and events, which are never dropped):
	// "thin" (default) thins the oldest unsent readings to one per ThinTo per sensor
	// and quantity (and keeps the first bad one too), declaring the removed sequence
	// numbers in an alarm; "refuse" refuses new readings. Both count and alarm.
	BudgetPolicy string `yaml:"budget_policy"`
	// ThinTo is the interval thinning keeps one reading per; default 5m, 1s to 24h.
	ThinTo Duration `yaml:"thin_to"`
}

// APIOff as api.listen turns the gateway's local HTTP API off (so does "").
const APIOff = "off"

// API is the gateway's local HTTP API: GET /metrics (Prometheus), /healthz and /status.
type API struct {
	// Listen is host:port; default 127.0.0.1:9108 (this machine only). "off" or ""
	// turns the API off; 0.0.0.0:9108 listens on every interface.
	Listen string `yaml:"listen"`
}

// Enabled reports whether the local API is to listen.
func (a API) Enabled() bool { return a.Listen != "" && a.Listen != APIOff }

// Rules configures the excursion rules the gateway evaluates locally.
type Rules struct {
	// ProfilesFile is a YAML file of product profiles in the format the cloud reads too
	// (see rules/README.md): `profiles:` with named rule lists. A relative path is
	// resolved against the configuration file's directory. Optional: the built-in
	// profiles need none.
	ProfilesFile string `yaml:"profiles_file"`
}

// ProfilesPath returns rules.profiles_file resolved against the configuration file's
// directory; "" when none is set.
func (c *Config) ProfilesPath() string {
	p := c.Rules.ProfilesFile
	if p == "" || filepath.IsAbs(p) || c.file == "" || c.file == "config" {
		return p
	}
	return filepath.Join(filepath.Dir(c.file), p)
}

// ErrorAt returns an error about the value at path, placed where the file wrote it
// (for checks made outside this package, such as the gateway's of rule profiles).
func (c *Config) ErrorAt(path string, err error) *Error {
	p := c.place(path)
	return &Error{File: c.file, Line: p.line, Column: p.col, Path: path, Err: err}
}

// Location kinds.
const (
	KindColdRoom = "cold_room"
	KindTruck    = "truck"
	KindDockDoor = "dock_door"
	KindAmbient  = "ambient"
)

// Location is a place readings are attributed to: a cold room, a truck, a dock door.
type Location struct {
	ID   string `yaml:"id"`   // id rule as for the site; unique within the file
	Name string `yaml:"name"` // for people; optional
	GLN  string `yaml:"gln"`  // optional GS1 Global Location Number: 13 digits
	Kind string `yaml:"kind"` // cold_room (default), truck, dock_door or ambient
	Lots []Lot  `yaml:"lots"` // lots stored here
	// Profile names the excursion rules the gateway applies to this location's readings
	// on its own, network or not: a built-in profile (pharma-2-8, chilled-5, frozen-18)
	// or one of rules.profiles_file. Empty: no local rules here.
	Profile string `yaml:"profile"`
	// AlarmOutput is the id of an output (buzzer, light, relay) on while a confirmed
	// excursion of this location's rules is open; optional.
	AlarmOutput string `yaml:"alarm_output"`
}

// Lot is a GS1 lot: a GTIN and a batch/lot number (AI 10).
type Lot struct {
	GTIN        string `yaml:"gtin"` // GTIN-8, -12, -13 or -14
	Lot         string `yaml:"lot"`  // 1-20 characters of GS1 character set 82
	Description string `yaml:"description"`
	// EPCs are the RFID tags that stand for this lot at a door: EPC URIs, 24 hex digits
	// or patterns ("urn:epc:idpat:sgtin:0614141.812345.[1-500]", "….*"); see
	// gs1.ParseEPCPattern. A pallet's SSCC listed under several lots stands for all of
	// them.
	EPCs []string `yaml:"epcs"`
}

// Key returns the canonical lot key "(01)<gtin14>(10)<lot>". A GTIN that is not valid
// is used as written.
func (l Lot) Key() string {
	g, err := gs1.GTIN14(l.GTIN)
	if err != nil {
		g = l.GTIN
	}
	return gs1.LotKey(g, l.Lot)
}

// Sensor is one device the gateway polls.
type Sensor struct {
	ID       string          `yaml:"id"`       // id rule as for the site; unique within the file
	Type     string          `yaml:"type"`     // driver: "modbus"
	Location string          `yaml:"location"` // id of the location it measures
	Interval Duration        `yaml:"interval"` // poll interval; default 10s, 100ms to 24h
	Modbus   *modbus.Options `yaml:"modbus"`   // required when Type is "modbus"
	// One block per periph device family, required when Type names it.
	BME280  *bmxx80.Options  `yaml:"bme280"`  // BME280 / BMP280 on I²C
	AHT20   *aht20.Options   `yaml:"aht20"`   // AHT20 on I²C
	MCP9808 *mcp9808.Options `yaml:"mcp9808"` // MCP9808 on I²C
	DS18B20 *ds18b20.Options `yaml:"ds18b20"` // DS18B20 through a DS2482 I²C-to-1-Wire bridge
	W1      *w1.Options      `yaml:"w1"`      // DS18B20 through the kernel's w1 sysfs files
	Contact *contact.Options `yaml:"contact"` // door switch or relay on a GPIO input
	// Simulate, when set, runs a simulated device in the gateway instead of reaching a
	// real one (demos and tests). A Modbus address with port 0 lets it pick a port; a
	// Modbus serial port becomes a pseudo-terminal shared by the simulated devices
	// configured on it (Linux only); I²C chips get a simulated bus, DS18B20 probes
	// simulated w1 sysfs files.
	Simulate *Simulation `yaml:"simulate"`
	// Report says which readings are sent: all of them (the default), or only those
	// that moved by a deadband, plus a heartbeat.
	Report Report `yaml:"report"`
	// Quality holds the checks the gateway applies on top of the driver's own.
	Quality Quality `yaml:"quality"`
}

// Report is report-on-change: a reading is sent when it moved at least its
// quantity's deadband since the last one sent, when its quality changed, or when
// Heartbeat has passed; states (door, compressor, defrost) are sent on every change.
type Report struct {
	Heartbeat Duration `yaml:"heartbeat"` // 0 (default): send every reading
	Deadband  Deadband `yaml:"deadband"`
}

// Deadband is the change that is worth sending at once, per quantity.
type Deadband struct {
	Temperature float64 `yaml:"temperature"` // °C
	Humidity    float64 `yaml:"humidity"`    // %RH
}

// Quality rules: a value outside its plausible range is bad, a value that has not
// changed for StuckAfter is uncertain, and a sensor with no good reading for
// OfflineAfter raises a sensor_offline event (sensor_online when it is back).
type Quality struct {
	OfflineAfter Duration `yaml:"offline_after"` // default 5 × interval, at least 1m
	StuckAfter   Duration `yaml:"stuck_after"`   // 0 (default): off
	Temperature  *Range   `yaml:"temperature"`   // °C
	Humidity     *Range   `yaml:"humidity"`      // %RH
}

// Range is a plausible range of values, both ends included.
type Range struct {
	Min float64 `yaml:"min"`
	Max float64 `yaml:"max"`
}

// Simulation drives a simulated sensor of any type: the temperature holds Setpoint
// until FailAfter, then the cooling fails and it drifts towards Ambient with time
// constant WarmTau; humidity stays near Humidity. From FaultAfter on the sensor itself
// fails the way Fault says.
type Simulation struct {
	Setpoint  float64  `yaml:"setpoint"`   // °C; default 3.0
	Ambient   float64  `yaml:"ambient"`    // °C; default 22.0
	FailAfter Duration `yaml:"fail_after"` // default 0: the cooling never fails
	WarmTau   Duration `yaml:"warm_tau"`   // default 30m
	Humidity  float64  `yaml:"humidity"`   // %RH; default 85
	// FaultAfter is when the sensor fails, after start; default 0: never.
	FaultAfter Duration `yaml:"fault_after"`
	// Fault is how it fails (see SimFaults): silent (default: stops answering), bad
	// (modbus: fault codes), crc (aht20, w1, ds18b20), reset (bme280: loses its
	// configuration), power_on (w1, ds18b20: 85 °C).
	Fault string `yaml:"fault"`
}

// SimFaults lists the faults a simulated sensor of a type can have.
func SimFaults(sensorType string) []string {
	switch sensorType {
	case "modbus":
		return []string{"silent", "bad"}
	case "bme280":
		return []string{"silent", "reset"}
	case "aht20":
		return []string{"silent", "crc"}
	case "w1", "ds18b20":
		return []string{"silent", "crc", "power_on"}
	case "contact":
		return []string{"stuck"} // a broken wire: the input stays idle
	}
	return []string{"silent"}
}

// File returns the name the configuration was loaded from, as used in messages.
func (c *Config) File() string { return c.file }

// LotsAt returns the keys of the lots at a location, in file order; nil when the
// location has no lots or does not exist.
func (c *Config) LotsAt(location string) []string {
	for _, l := range c.Locations {
		if l.ID != location {
			continue
		}
		var keys []string
		for _, lot := range l.Lots {
			keys = append(keys, lot.Key())
		}
		return keys
	}
	return nil
}
