package wire

import (
	"fmt"
	"time"
)

// Header opens every up batch. (Gateway, Epoch, kind, sequence) identifies each item
// once and forever: the cloud stores each item once, so QoS 1 redelivery and replays
// after a crash are harmless.
type Header struct {
	Site    string `json:"site"`
	Gateway string `json:"gateway"`
	// Boot changes at every start of the gateway process; it tells the cloud a restart
	// happened (and so a burst of replays may follow).
	Boot string `json:"boot"`
	// Epoch identifies the gateway's outbox. Sequence numbers survive restarts, but a
	// new outbox (a wiped or replaced SD card) starts again at 1 with a new Epoch, so
	// its items are not mistaken for duplicates of the old ones.
	Epoch string `json:"epoch"`
	// FirstSeq is the outbox sequence number of the batch's first item; item i has
	// sequence FirstSeq+i. Each kind (readings, events, alarms) is its own sequence.
	FirstSeq uint64 `json:"first_seq"`
}

// Check validates the header's fields; what names the payload kind for the message.
func (h *Header) Check() error {
	if err := CheckID("site", h.Site); err != nil {
		return err
	}
	if err := CheckID("gateway", h.Gateway); err != nil {
		return err
	}
	if h.Epoch == "" || len(h.Epoch) > MaxIDLen {
		return fmt.Errorf("wire: epoch %q must be 1 to %d characters", h.Epoch, MaxIDLen)
	}
	if len(h.Boot) > MaxIDLen {
		return fmt.Errorf("wire: boot id is %d characters, at most %d allowed", len(h.Boot), MaxIDLen)
	}
	if h.FirstSeq == 0 {
		return fmt.Errorf("wire: first_seq is 0; sequence numbers start at 1")
	}
	return nil
}

// LastSeq returns the sequence number of the last of n items.
func (h *Header) LastSeq(n int) uint64 { return h.FirstSeq + uint64(n) - 1 }

// Reading is one measurement as it travels: what the sensor measured, where, and the
// lots present at that location when it was measured.
type Reading struct {
	Time     time.Time `json:"time"`
	Synced   bool      `json:"synced"` // the gateway's clock was NTP-synchronised
	Sensor   string    `json:"sensor"`
	Location string    `json:"location"`
	Quantity Quantity  `json:"quantity"`
	Value    float64   `json:"value"`
	Quality  Quality   `json:"quality"`
	Lots     []string  `json:"lots,omitempty"` // lot keys, see drivers/gs1.LotKey
}

// ReadingBatch is the payload of .../readings: many readings with contiguous sequence
// numbers. Its compact binary encoding is in binary.go.
type ReadingBatch struct {
	V int `json:"v"`
	Header
	Readings []Reading `json:"readings"`
}

// Event is something that happened to lots at a location: received, shipped, passed a
// portal, scanned. Type names follow the critical tracking events of FSMA 204 and
// EPCIS business steps; later issues add types without changing the shape.
type Event struct {
	Time      time.Time         `json:"time"`
	Synced    bool              `json:"synced"`
	Type      string            `json:"type"`
	Location  string            `json:"location"`
	Lots      []string          `json:"lots,omitempty"`
	EPCs      []string          `json:"epcs,omitempty"`
	Direction string            `json:"direction,omitempty"` // "in" or "out" for portal passes
	Attrs     map[string]string `json:"attrs,omitempty"`
}

// EventBatch is the payload of .../events.
type EventBatch struct {
	V int `json:"v"`
	Header
	Events []Event `json:"events"`
}

// Alarm is a condition the gateway detected locally (an excursion seen at the edge, a
// held lot at a door); it is raised and later cleared.
type Alarm struct {
	Time     time.Time `json:"time"`
	Synced   bool      `json:"synced"`
	Kind     string    `json:"kind"`
	State    string    `json:"state"`    // "raised" or "cleared"
	Severity string    `json:"severity"` // "info", "warning", "critical"
	Location string    `json:"location,omitempty"`
	Sensor   string    `json:"sensor,omitempty"`
	Lots     []string  `json:"lots,omitempty"`
	Message  string    `json:"message,omitempty"`
	// Seqs, for kind "outbox_thinned", lists the readings sequence numbers the
	// gateway removed to stay within its disk budget, so the cloud can tell these
	// declared gaps from loss.
	Seqs []SeqRange `json:"seqs,omitempty"`
}

// SeqRange is the sequence numbers First..Last, both included.
type SeqRange struct {
	First uint64 `json:"first"`
	Last  uint64 `json:"last"`
}

// MaxAlarmRanges bounds the sequence ranges one alarm may declare.
const MaxAlarmRanges = 10_000

// AlarmBatch is the payload of .../alarms.
type AlarmBatch struct {
	V int `json:"v"`
	Header
	Alarms []Alarm `json:"alarms"`
}

// Gateway states carried by Status.
const (
	StateOnline  = "online"
	StateOffline = "offline"
)

// Status is the retained payload of .../status. The gateway publishes "online" when it
// connects and registers "offline" as its MQTT last will, so the broker announces a
// gateway that vanished.
type Status struct {
	V       int       `json:"v"`
	Site    string    `json:"site"`
	Gateway string    `json:"gateway"`
	Boot    string    `json:"boot"`
	State   string    `json:"state"`
	Time    time.Time `json:"time"`
	Version string    `json:"version,omitempty"` // gateway software version
	Config  string    `json:"config,omitempty"`  // version of the configuration it runs
	// Pending counts items in the outbox not yet acknowledged by the broker.
	Pending uint64 `json:"pending,omitempty"`
}

// Holds is the retained payload of .../holds: every lot of the site that must not ship.
// Version grows with every change so a gateway can ignore a stale copy.
type Holds struct {
	V       int       `json:"v"`
	Site    string    `json:"site"`
	Version uint64    `json:"version"`
	Time    time.Time `json:"time"`
	Lots    []string  `json:"lots"`
}

// LotMap is the retained payload of .../lotmap: which lots are at which location and
// which tag (EPC) belongs to which lot, as the cloud knows it.
type LotMap struct {
	V         int                 `json:"v"`
	Site      string              `json:"site"`
	Version   uint64              `json:"version"`
	Time      time.Time           `json:"time"`
	Locations map[string][]string `json:"locations"`
	EPCs      map[string]string   `json:"epcs,omitempty"`
}

// Config is the retained payload of .../config: a complete gateway configuration file,
// as the YAML text the gateway writes to disk, with the SHA-256 of that text so a copy
// damaged on the way is refused. See DecodeConfig and CompareConfigVersions.
type Config struct {
	V int `json:"v"`
	// Version orders configurations: a gateway applies only one newer than every
	// version it ran or refused (CompareConfigVersions).
	Version string    `json:"version"`
	Time    time.Time `json:"time"`
	SHA256  string    `json:"sha256"` // lower-case hex of the SHA-256 of YAML's bytes
	YAML    string    `json:"yaml"`
}
