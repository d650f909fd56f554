package store

import "time"

// Lot statuses. A lot starts released; an excursion or a QA user puts it on hold; QA
// releases, rejects or destroys it.
const (
	StatusReleased  = "released"
	StatusOnHold    = "on_hold"
	StatusRejected  = "rejected"
	StatusDestroyed = "destroyed"
)

// Lot is a traceability lot: GTIN + lot code, its status and where it was last seen.
type Lot struct {
	ID             int64     `json:"-"`
	Key            string    `json:"id"` // "(01)<gtin>(10)<lot>", see drivers/gs1.LotKey
	GTIN           string    `json:"gtin"`
	Lot            string    `json:"lot"`
	Status         string    `json:"status"`
	StatusReason   string    `json:"status_reason,omitempty"`
	StatusChanged  time.Time `json:"status_changed"`
	Site           string    `json:"site"`
	Location       string    `json:"location"`
	FirstSeen      time.Time `json:"first_seen"`
	LastSeen       time.Time `json:"last_seen"`
	OpenExcursions int       `json:"open_excursions"`
}

// StatusChange is one entry of a lot's status history.
type StatusChange struct {
	At     time.Time `json:"at"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Reason string    `json:"reason"`
	Actor  string    `json:"actor"`
}

// Reading is a stored reading as the API shows it.
type Reading struct {
	Gateway  string    `json:"gateway"`
	Seq      uint64    `json:"seq"`
	Time     time.Time `json:"time"`
	Synced   bool      `json:"synced"`
	Sensor   string    `json:"sensor"`
	Location string    `json:"location"`
	Quantity string    `json:"quantity"`
	Unit     string    `json:"unit,omitempty"`
	Value    float64   `json:"value"`
	Quality  string    `json:"quality"`
}

// Excursion is a period in which a lot's readings broke a rule: a confirmed excursion
// of the lot's rules engine (see cloud/ingest), with its evidence. It is kept when the
// engine later retracts it (Retracted set), for the audit.
type Excursion struct {
	ID    int64  `json:"id"`
	LotID int64  `json:"-"`
	Lot   string `json:"lot"`
	// Ref is the rules engine's id of the excursion, "<rule>@<start>"; empty for
	// excursions recorded before the engine judged lots.
	Ref      string `json:"ref,omitempty"`
	Profile  string `json:"profile,omitempty"`
	Rule     string `json:"rule"`
	Kind     string `json:"kind"`     // the rule's kind (high, cumulative_high, …, bad_data)
	Severity string `json:"severity"` // critical, warning or info
	// Site, Location and Sensor are where the excursion was confirmed (the alert's
	// place); Locations and Sensors ("<gateway>/<sensor>") are all those whose readings
	// of the lot were beyond the limit during it, in order of first appearance.
	Site      string   `json:"site"`
	Location  string   `json:"location"`
	Sensor    string   `json:"sensor"`
	Locations []string `json:"locations"`
	Sensors   []string `json:"sensors"`
	// Began is the first reading beyond the limit (the engine's Start), Detected the
	// reading at which the excursion was confirmed, Ended the first clearing reading,
	// Closed the reading at which the clear delay had passed.
	Began    time.Time  `json:"began"`
	Detected time.Time  `json:"detected"`
	Ended    *time.Time `json:"ended,omitempty"`
	Closed   *time.Time `json:"closed,omitempty"`
	Peak     float64    `json:"peak"`
	Limit    float64    `json:"limit"`
	// DelaySeconds is the rule's delay (the allowance of a cumulative rule).
	DelaySeconds float64 `json:"delay_seconds"`
	// BeyondSeconds is the time beyond the limit (sample and hold, see rules/README.md),
	// UnknownSeconds the time in data gaps longer than the rule's max_gap.
	BeyondSeconds  float64  `json:"beyond_seconds"`
	UnknownSeconds float64  `json:"unknown_seconds"`
	MKT            *float64 `json:"mkt,omitempty"` // °C, mkt rules only
	// Retracted is when late readings showed the excursion did not happen as reported.
	Retracted   *time.Time `json:"retracted,omitempty"`
	RetractNote string     `json:"retract_note,omitempty"`
}

// Alert states and severities.
const (
	AlertOpen         = "open"
	AlertAcknowledged = "acknowledged"
	AlertResolved     = "resolved"

	SeverityInfo     = "info"
	SeverityWarning  = "warning"
	SeverityCritical = "critical"
)

// Alert is something a person must see: an excursion, a lot put on hold, a gateway or
// sensor gone offline, a gateway outbox near its budget, a held lot shipped. A
// condition that repeats while its alert is not resolved updates that alert (Count,
// LastSeen, Message, Severity raised) instead of raising another; see alerts.go.
type Alert struct {
	ID       int64  `json:"id"`
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	State    string `json:"state"`
	Site     string `json:"site"`
	Location string `json:"location,omitempty"`
	// Gateway is the gateway the alert is about or that reported it.
	Gateway     string `json:"gateway,omitempty"`
	Sensor      string `json:"sensor,omitempty"`
	LotID       int64  `json:"-"`
	Lot         string `json:"lot,omitempty"`
	ExcursionID int64  `json:"excursion_id,omitempty"`
	Message     string `json:"message"`
	// Count is how often the condition was seen while the alert was not resolved.
	Count     int64     `json:"count"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// Updated is the time of the last change of any kind (a repeat, ack, resolution).
	Updated      time.Time    `json:"updated"`
	Acknowledged *AlertAction `json:"acknowledged,omitempty"`
	Resolved     *AlertAction `json:"resolved,omitempty"`
}

// AlertAction records who acknowledged or resolved an alert, when and why. By is a
// user name, or "system:<what>" for an alert resolved because its condition cleared.
type AlertAction struct {
	At   time.Time `json:"at"`
	By   string    `json:"by"`
	Note string    `json:"note,omitempty"`
}

// AlertEvent is one change of an alert, as it is delivered to the dashboard's stream,
// webhooks and the MQTT alert topic: what happened (Action), when, by whom, and the
// alert as it was right after. IDs grow with every change.
type AlertEvent struct {
	ID     int64     `json:"event_id"`
	Action string    `json:"action"` // ActionOpened, ActionUpdated, ActionAcknowledged, ActionResolved
	At     time.Time `json:"at"`
	Actor  string    `json:"actor,omitempty"`
	Note   string    `json:"note,omitempty"`
	Alert  Alert     `json:"alert"`
}

// DeadLetter is a payload ingest refused, kept with the reason.
type DeadLetter struct {
	ID       int64     `json:"id"`
	Received time.Time `json:"received"`
	Topic    string    `json:"topic"`
	Reason   string    `json:"reason"`
	Payload  []byte    `json:"payload"`
}

// Gateway is a gateway's last reported status and what the cloud holds of its outbox.
type Gateway struct {
	Site    string    `json:"site"`
	Gateway string    `json:"gateway"`
	State   string    `json:"state"`
	Boot    string    `json:"boot"`
	Version string    `json:"version,omitempty"`
	Config  string    `json:"config,omitempty"`
	Pending uint64    `json:"pending"`
	Updated time.Time `json:"updated"`
}

// SourceStats summarises the readings stored from one gateway outbox (epoch): Missing
// counts sequence numbers between MinSeq and MaxSeq not (yet) stored.
type SourceStats struct {
	ID       int64  `json:"-"`
	Site     string `json:"site"`
	Gateway  string `json:"gateway"`
	Epoch    string `json:"epoch"`
	Readings int64  `json:"readings"`
	MinSeq   uint64 `json:"min_seq"`
	MaxSeq   uint64 `json:"max_seq"`
	// Missing counts the sequence numbers from 1 to MaxSeq not stored.
	Missing int64 `json:"missing"`
	// Gaps lists the missing ranges (the first MaxGaps of them), oldest first.
	Gaps []Gap `json:"gaps,omitempty"`
}

// MaxGaps bounds the gap ranges reported per gateway outbox.
const MaxGaps = 100

// Gap is a range of sequence numbers of one gateway outbox not stored. A gateway sends
// each stream in order, so a gap lives only for the seconds its in-flight messages
// take; one whose next stored reading is well behind the newest (LossAfter) is
// reported as possible loss.
type Gap struct {
	From  uint64 `json:"from"`
	To    uint64 `json:"to"`
	Count uint64 `json:"count"`
	// Before and After are the times of the stored readings either side (After is
	// zero for a gap at the start).
	Before       *time.Time `json:"before,omitempty"`
	After        time.Time  `json:"after"`
	PossibleLoss bool       `json:"possible_loss"`
	// Declared names why the gateway itself removed the whole range ("thinned": its
	// outbox reached its disk budget and said so in an outbox_thinned alarm).
	Declared string `json:"declared,omitempty"`
}

// LossAfter is how far behind the newest reading of its outbox a gap must lie to be
// reported as possible loss rather than data still in flight.
const LossAfter = 2 * time.Minute

// Event types the cloud acts on. Dock-door portals send the first three (see
// gateway/portal): a pallet received (direction "in"), shipped ("out"), or seen at the
// door without a direction. Scanner stations send receiving and shipping too, and
// putaway (goods into the event's location), picking (out of it) and scan_rejected.
const (
	EventReceiving     = "receiving"
	EventShipping      = "shipping"
	EventPortalSeen    = "portal_seen"
	EventPutaway       = "putaway"
	EventPicking       = "picking"
	EventScanRejected  = "scan_rejected"
	EventSensorOffline = "sensor_offline"
	EventSensorOnline  = "sensor_online"
)

// PortalEventTypes are the event types of dock-door portals.
var PortalEventTypes = []string{EventReceiving, EventShipping, EventPortalSeen}

// MovementEventTypes are the event types that move lots: each is kept as a movement
// of each of its lots.
var MovementEventTypes = []string{EventReceiving, EventShipping, EventPortalSeen, EventPutaway, EventPicking}

// Event is a stored gateway event as the API shows it: the wire.Event with the
// gateway that sent it and its outbox sequence number.
type Event struct {
	Site      string            `json:"site"`
	Gateway   string            `json:"gateway"`
	Seq       uint64            `json:"seq"`
	Time      time.Time         `json:"time"`
	Synced    bool              `json:"synced"`
	Type      string            `json:"type"`
	Location  string            `json:"location"`
	Lots      []string          `json:"lots"`
	EPCs      []string          `json:"epcs"`
	Direction string            `json:"direction,omitempty"`
	Attrs     map[string]string `json:"attrs"`
}

// Movement is one lot passing a dock door: one portal event, as it concerns that lot.
type Movement struct {
	Site    string    `json:"site"`
	Gateway string    `json:"gateway"`
	Seq     uint64    `json:"seq"` // of the event in the gateway's outbox
	Time    time.Time `json:"time"`
	Type    string    `json:"type"` // EventReceiving, EventShipping or EventPortalSeen
	Door    string    `json:"door"` // the dock door: the event's location
	// Inside is the location the lot went into (receiving) or came from (shipping),
	// when the door has one configured.
	Inside    string `json:"inside,omitempty"`
	Direction string `json:"direction,omitempty"` // "in", "out" or ""
	ReadPoint string `json:"read_point,omitempty"`
	Tags      int    `json:"tags"` // tags of the event the lot passed in
}
