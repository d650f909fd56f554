package fwconfig

// Reader is one RFID reader the gateway connects to over LLRP (TCP port 5084): an Impinj
// Speedway/R700, a Zebra FX or any LLRP 1.0.1 reader. Which of its antennas watch which
// side of which door is said by Portal.Doors.
type Reader struct {
	ID      string `yaml:"id"`      // id rule as for the site; unique among readers; used by a door
	Address string `yaml:"address"` // host or host:port; port 5084 when missing; required unless Simulate
	// Antennas the ROSpec inventories, 1 to 65535 each; default: those the doors map for
	// this reader, sorted. When given, it must hold every antenna the doors map.
	Antennas []uint16 `yaml:"antennas"`
	// TransmitPower is an index into the reader's TransmitPowerLevelTable, which
	// `lotsense-gateway probe -config FILE READER_ID` prints (index → dBm); 0, the
	// default, keeps the reader's own setting. An index the reader's table lacks (or an
	// antenna above the reader's count) is refused when the gateway connects.
	TransmitPower uint16 `yaml:"transmit_power"`
	// ReportEvery: the reader sends a report every N tag reads; default 1 (lowest
	// latency), 1 to 65535.
	ReportEvery uint16 `yaml:"report_every"`
	// Keepalive is the reader's KEEPALIVE period; a reader silent for 3 periods is
	// reconnected. Default 5s, 1s to 1h.
	Keepalive Duration `yaml:"keepalive"`
	// Simulate, when set, runs an emulated LLRP reader in the gateway that plays
	// scripted pallets through the doors (demos and tests); Address is then ignored.
	Simulate *ReaderSimulation `yaml:"simulate"`
}

// ReaderSimulation scripts pallets passing the doors an emulated reader watches.
type ReaderSimulation struct {
	// Repeat plays the script again this long after each start; 0 (default): once.
	// Longer than the last pass's At.
	Repeat Duration  `yaml:"repeat"`
	Passes []SimPass `yaml:"passes"`
}

// Directions of a simulated pass.
const (
	SimIn       = "in"        // outside antennas, then inside ones
	SimOut      = "out"       // inside, then outside
	SimTurnBack = "turn_back" // outside, inside, outside again: no movement
)

// SimPass is one scripted pallet through one door.
type SimPass struct {
	At        Duration `yaml:"at"`        // when, after the script starts; 0 or more
	Door      string   `yaml:"door"`      // id of a door with antennas of this reader on both sides
	Direction string   `yaml:"direction"` // in (default), out or turn_back
	// Tags are the EPCs on the pallet: pure identity or tag URIs, 24 hex digits, or an
	// SGTIN serial range "urn:epc:idpat:sgtin:0614141.812345.[1-24]" (at most 10000 tags
	// per pass in all).
	Tags  []string `yaml:"tags"`
	Reads int      `yaml:"reads"` // reads of each tag by each antenna; default 3, 1 to 100
	RSSI  float64  `yaml:"rssi"`  // dBm of every read; default -55, -100 to -20
}

// Portal is the dock-door logic: how antennas map to doors and sides, and how raw tag
// reads become one movement per tag per pass.
type Portal struct {
	// TopN: a tag read by two doors in one pass goes to the door with the highest mean
	// of its TopN strongest reads; default 3, 1 to 8.
	TopN int `yaml:"top_n"`
	// GroupWindow: the passes of one door and direction that end within this long of
	// the first one form one receiving or shipping event; default 5s, 1s to 1h.
	GroupWindow Duration `yaml:"group_window"`
	Doors       []Door   `yaml:"doors"`
}

// Zones of a door antenna.
const (
	ZoneOutside = "outside"
	ZoneInside  = "inside"
)

// Door is one dock door with an RFID portal.
type Door struct {
	// ID is the door's location: a location of kind dock_door.
	ID string `yaml:"id"`
	// Inside is the location a pallet entering through this door goes into (a cold room,
	// the truck's box); lots arrive there on an inbound pass and leave on an outbound
	// one. Optional: without it passes are reported but presence does not change.
	Inside string `yaml:"inside"`
	// ReadPoint is the EPCIS read point of the door; default the door's GLN as a GS1
	// Digital Link ("https://id.gs1.org/414/<gln>"), or else the door id.
	ReadPoint string `yaml:"read_point"`
	// RSSIFloor (dBm): weaker reads are cross-reads from elsewhere and ignored; 0
	// (default): no floor; -128 to 0.
	RSSIFloor float64 `yaml:"rssi_floor"`
	// Dedupe: reads of one tag on one side within this window count once; default 1s,
	// above 0.
	Dedupe Duration `yaml:"dedupe"`
	// PassTimeout: a tag not seen for this long has passed; default 3s, more than Dedupe.
	PassTimeout Duration      `yaml:"pass_timeout"`
	Antennas    []DoorAntenna `yaml:"antennas"`
	// AlarmOutput is the id of an output (a buzzer, a stack light) that sounds when a lot
	// on hold leaves through the door; optional.
	AlarmOutput string `yaml:"alarm_output"`
	// AlarmFor is how long it sounds; default 30s (filled in with or without an
	// AlarmOutput), 1s to 1h.
	AlarmFor Duration `yaml:"alarm_for"`
}

// DoorAntenna says which side of a door one antenna of one reader watches.
type DoorAntenna struct {
	Reader  string `yaml:"reader"`  // id of a reader in readers
	Antenna uint16 `yaml:"antenna"` // LLRP AntennaID, 1-based; one side of one door per reader antenna
	Zone    string `yaml:"zone"`    // outside or inside
}

// Door returns the door with an id, or nil.
func (c *Config) Door(id string) *Door {
	for i := range c.Portal.Doors {
		if c.Portal.Doors[i].ID == id {
			return &c.Portal.Doors[i]
		}
	}
	return nil
}

// Reader returns the reader with an id, or nil.
func (c *Config) Reader(id string) *Reader {
	for i := range c.Readers {
		if c.Readers[i].ID == id {
			return &c.Readers[i]
		}
	}
	return nil
}
