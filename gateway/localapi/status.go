package localapi

import (
	"math"
	"slices"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/lotsense/lotsense/gateway/outbox"
)

// Status is the answer of GET /status.
type Status struct {
	Site        string    `json:"site"`
	Gateway     string    `json:"gateway"`
	Boot        string    `json:"boot"`
	Epoch       string    `json:"epoch"` // the outbox's id
	Version     string    `json:"version"`
	Started     time.Time `json:"started"`
	Uptime      float64   `json:"uptime_seconds"`
	Clock       time.Time `json:"clock"` // the gateway's clock, which readings carry (fast in demos)
	ClockSynced bool      `json:"clock_synced"`
	MQTT        MQTT      `json:"mqtt"`
	Outbox      Box       `json:"outbox"`
	Counters    Counters  `json:"counters"`
	Sensors     []Sensor  `json:"sensors"`
	Readers     []Reader  `json:"readers,omitempty"`  // RFID readers
	Doors       []Door    `json:"doors,omitempty"`    // dock doors with a portal
	Stations    []Station `json:"stations,omitempty"` // barcode scanner stations
	// Config is the configuration the gateway runs; nil when it takes none from the cloud.
	Config *ConfigStatus `json:"config,omitempty"`
}

// ConfigStatus is the configuration a gateway runs, and the last one from the cloud it
// refused.
type ConfigStatus struct {
	Version string `json:"version,omitempty"` // "": the local file, as installed
	File    string `json:"file"`
	SHA256  string `json:"sha256"`
	// Trial: the configuration arrived from the cloud and runs on trial until its
	// drivers start; if they do not in time, the gateway returns to the last good one.
	Trial         bool      `json:"trial,omitempty"`
	Refused       string    `json:"refused,omitempty"` // the newest version refused
	RefusedReason string    `json:"refused_reason,omitempty"`
	RefusedAt     time.Time `json:"refused_at,omitzero"`
}

// Station is one barcode scanner station: its scanner and its last scan.
type Station struct {
	ID           string    `json:"id"`
	Role         string    `json:"role"`
	Location     string    `json:"location"`
	ScannerOpen  bool      `json:"scanner_open"`
	ScannerError string    `json:"scanner_error,omitempty"` // why the scanner last failed to open or was lost
	Accepted     int       `json:"accepted"`                // scans taken this run
	Rejected     int       `json:"rejected"`                // scans refused this run
	LastScan     time.Time `json:"last_scan,omitzero"`      // gateway clock
	LastType     string    `json:"last_type,omitempty"`     // the last scan's event type
	LastLots     []string  `json:"last_lots,omitempty"`
	LastReason   string    `json:"last_reason,omitempty"` // why the last scan was refused
}

// Reader is one RFID reader's connection.
type Reader struct {
	ID        string    `json:"id"`
	Address   string    `json:"address"`
	Connected bool      `json:"connected"`
	Since     time.Time `json:"since,omitzero"`       // connected, or disconnected, since then (wall clock)
	LastError string    `json:"last_error,omitempty"` // why the last connection ended or failed
	LastRead  time.Time `json:"last_read,omitzero"`   // gateway clock
	Reads     uint64    `json:"reads"`                // tag reads this run
}

// Door is one dock door: its passes this run and what is inside.
type Door struct {
	ID         string         `json:"id"`
	Inside     string         `json:"inside,omitempty"`
	Passes     map[string]int `json:"passes"`              // by direction: in, out, none
	Unassigned int            `json:"unassigned"`          // passes of tags with no known lot
	LastEvent  time.Time      `json:"last_event,omitzero"` // gateway clock
	TagsInside int            `json:"tags_inside"`         // tags with lots that came in and have not gone out
	LotsInside []string       `json:"lots_inside"`         // every lot at the inside location now
}

// MQTT is the publisher's connection to the broker.
type MQTT struct {
	Broker    string    `json:"broker"`
	Connected bool      `json:"connected"`
	Since     time.Time `json:"since"` // connected, or disconnected, since then
	// LastAck is the publish-to-PUBACK latency of the last message, at LastAckAt.
	LastAck   float64   `json:"last_ack_seconds"`
	LastAckAt time.Time `json:"last_ack_at,omitzero"`
}

// Box is the outbox.
type Box struct {
	DiskBytes    int64    `json:"disk_bytes"`    // allocated to the outbox's files
	BadgerBytes  int64    `json:"badger_bytes"`  // LSM tree and value log, as Badger last measured them (each minute)
	PendingBytes int64    `json:"pending_bytes"` // counted against outbox.max_bytes
	Streams      []Stream `json:"streams"`
}

// Stream is one outbox stream. NextSeq-1 records were ever accepted, Acked delivered.
type Stream struct {
	Name      string  `json:"name"`
	Pending   uint64  `json:"pending"`
	NextSeq   uint64  `json:"next_seq"`
	Acked     uint64  `json:"acked"`
	OldestAge float64 `json:"oldest_age_seconds"` // how long the oldest pending record has waited
}

// Counters are this run's totals, read from the gateway's metrics.
type Counters struct {
	Accepted  uint64 `json:"accepted"`  // records made durable in the outbox
	Published uint64 `json:"published"` // records acknowledged by the broker
	Dropped   uint64 `json:"dropped"`   // the sum of DroppedBy
	// DroppedBy has the counters of records that will not be delivered, by metric name
	// without the lotsense_gateway_ prefix (see dropCounters).
	DroppedBy map[string]uint64 `json:"dropped_by,omitempty"`
}

// Sensor is one sensor's last poll.
type Sensor struct {
	ID       string    `json:"id"`
	Location string    `json:"location"`
	LastPoll time.Time `json:"last_poll,omitzero"` // gateway clock
	Failing  bool      `json:"failing"`
	Values   []Value   `json:"values"`
}

// Value is one reading of a poll. Value is nil when it is not a finite number.
type Value struct {
	Quantity string   `json:"quantity"`
	Value    *float64 `json:"value"`
	Unit     string   `json:"unit,omitempty"`
	Quality  string   `json:"quality"`
}

// Num returns v for Value.Value, nil when v is NaN or infinite (JSON has no such numbers).
func Num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// streamNames names the streams reported, in the order of the MQTT contract.
var streamNames = []struct {
	s    outbox.Stream
	name string
}{{outbox.Readings, "readings"}, {outbox.Events, "events"}, {outbox.Alarms, "alarms"}}

func (s *Server) status() *Status {
	now := s.now()
	s.ages.sample(now)
	o := s.opts
	st := &Status{Site: o.Site, Gateway: o.Gateway, Boot: o.Boot, Epoch: o.Outbox.Epoch(), Version: o.Version,
		Started: s.started, Uptime: now.Sub(s.started).Seconds(), Clock: now, Sensors: []Sensor{}}
	if o.Clock != nil {
		st.Clock = o.Clock()
	}
	if o.Synced != nil {
		st.ClockSynced = o.Synced()
	}
	conn, since, ack, ackAt := s.link.state()
	st.MQTT = MQTT{Broker: o.Broker, Connected: conn, Since: since, LastAck: ack.Seconds(), LastAckAt: ackAt}
	st.Outbox = Box{DiskBytes: s.diskBytes(), BadgerBytes: o.Outbox.DiskUsage(), PendingBytes: o.Outbox.PendingBytes()}
	for _, n := range streamNames {
		st.Outbox.Streams = append(st.Outbox.Streams, Stream{Name: n.name, Pending: o.Outbox.Pending(n.s),
			NextSeq: o.Outbox.NextSeq(n.s), Acked: o.Outbox.Acked(n.s), OldestAge: s.ages.oldest(n.s, now).Seconds()})
	}
	st.Counters = s.counters()
	if o.Portal != nil {
		st.Readers, st.Doors = o.Portal()
	}
	if o.Stations != nil {
		st.Stations = o.Stations()
	}
	if o.Sensors != nil {
		st.Sensors = append(st.Sensors, o.Sensors()...)
	}
	if o.Config != nil {
		st.Config = o.Config()
	}
	return st
}

// dropCounters are the gateway's counters of records that will not be delivered; each
// such record is in one of them only (outbox_refused_total is part of
// readings_dropped_total, so it is left out).
var dropCounters = []string{
	"readings_dropped_total",      // refused by the outbox (full, or its budget policy)
	"outbox_thinned_total",        // removed by the budget's thinning
	"outbox_exempt_refused_total", // alarms and events refused: no headroom left
	"publish_dropped_total",       // corrupt: could not be encoded
}

// counters reads this run's totals from the gateway's metrics.
func (s *Server) counters() Counters {
	var c Counters
	if s.opts.Gatherer == nil {
		return c
	}
	mfs, err := s.opts.Gatherer.Gather()
	if err != nil {
		s.log.Warn("localapi: gathering metrics for /status", "err", err)
	}
	for _, mf := range mfs {
		name, ok := strings.CutPrefix(mf.GetName(), "lotsense_gateway_")
		if !ok || mf.GetType() != dto.MetricType_COUNTER {
			continue
		}
		v := uint64(sumCounter(mf))
		switch {
		case name == "outbox_appended_total":
			c.Accepted = v
		case name == "publish_records_total":
			c.Published = v
		case slices.Contains(dropCounters, name):
			if c.DroppedBy == nil {
				c.DroppedBy = map[string]uint64{}
			}
			c.DroppedBy[name] = v
			c.Dropped += v
		}
	}
	return c
}

func sumCounter(mf *dto.MetricFamily) float64 {
	var v float64
	for _, m := range mf.GetMetric() {
		v += m.GetCounter().GetValue()
	}
	return v
}
