package trace

import (
	"encoding/json"
	"time"

	"github.com/lotsense/lotsense/drivers/gs1"
)

// Product is a trade item, identified by its GTIN-14.
type Product struct {
	GTIN        string `json:"gtin"`
	Description string `json:"description"`
	// CompanyPrefixLength is the length of the GS1 company prefix inside the GTIN,
	// needed to write the product's lots as urn:epc:class:lgtin: URIs. Zero means 7.
	CompanyPrefixLength int `json:"company_prefix_length,omitempty"`
	// Profile names the rules profile (rules/) the product's lots are judged by.
	Profile string `json:"profile,omitempty"`
	// ShelfLifeDays is used to set a lot's expiry when none is given.
	ShelfLifeDays int `json:"shelf_life_days,omitempty"`
	// Unit is the default unit of measure of the product's quantities (UN/CEFACT
	// common code: KGM, LTR, or EA/H87 for pieces, CS for cases).
	Unit string `json:"unit,omitempty"`
	// UnitValue is the value of one Unit, in Currency, for the expiry-loss report.
	UnitValue float64 `json:"unit_value,omitempty"`
	Currency  string  `json:"currency,omitempty"`
}

// Location kinds. Places of our own sites are "site", "door", "room" or "truck";
// parties outside are "customer" and "supplier".
const (
	KindSite     = "site"
	KindDoor     = "door"
	KindRoom     = "room"
	KindTruck    = "truck"
	KindCustomer = "customer"
	KindSupplier = "supplier"
)

// Location is a place or a party, identified by its GLN.
type Location struct {
	GLN  string `json:"gln"`
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Site and Key tie a place to the gateways: the lotsense site id and the
	// gateway's location id (a door or room name), so events from gateways find their
	// GLN. External parties have neither.
	Site string `json:"site,omitempty"`
	Key  string `json:"key,omitempty"`
	// Parent is the GLN of the site a door or room belongs to.
	Parent  string  `json:"parent,omitempty"`
	Address Address `json:"address,omitzero"`
	// MinShelfLifeDays is, for a customer, the remaining shelf life it accepts at
	// shipping; FEFO picks for it skip lots with less.
	MinShelfLifeDays int `json:"min_shelf_life_days,omitempty"`
}

// Address is a postal address, as FSMA 204's location descriptions need.
type Address struct {
	Street     string `json:"street,omitempty"`
	City       string `json:"city,omitempty"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"` // ISO 3166-1 alpha-2
}

// Lot is a traceability lot: a GTIN and a lot code (together the traceability lot
// code, TLC).
type Lot struct {
	GTIN string `json:"gtin"`
	Code string `json:"lot"`
	// Dates are civil dates at UTC midnight; zero when unknown.
	Produced time.Time `json:"produced,omitzero"`
	Packed   time.Time `json:"packed,omitzero"`
	Expiry   time.Time `json:"expiry,omitzero"`
	// Quantity and Unit are the lot's size when created (commissioned, packed,
	// transformed or received); stock on hand is in the ledger.
	Quantity float64 `json:"quantity,omitempty"`
	Unit     string  `json:"unit,omitempty"`
	// TLCSource is the GLN of the place where the lot code was assigned, and
	// TLCAssigned when; TLCSourceRef is a reference (a web address) given instead of
	// a location, as 21 CFR 1.1320 allows.
	TLCSource    string    `json:"tlc_source,omitempty"`
	TLCSourceRef string    `json:"tlc_source_ref,omitempty"`
	TLCAssigned  time.Time `json:"tlc_assigned,omitzero"`
	// Quarantined lots are not picked (FEFO) until released from quarantine.
	Quarantined bool `json:"quarantined,omitempty"`
}

// Key is the lot's key in the rest of lotsense: drivers/gs1.LotKey.
func (l *Lot) Key() string { return gs1.LotKey(l.GTIN, l.Code) }

// Event types: the critical tracking events lotsense records.
const (
	Commissioning  = "commissioning" // a lot comes into being: initial packing, production
	Receiving      = "receiving"
	Shipping       = "shipping"
	Transformation = "transformation" // input lots are used to make output lots
	Aggregation    = "aggregation"    // cases put on a pallet (Action add) or taken off (delete)
	Disposition    = "disposition"    // hold, release, rejection, destruction of lots
	Observation    = "observation"    // lots seen somewhere (a portal pass without direction)
)

// EPCIS actions, for aggregation and object events.
const (
	ActionAdd     = "ADD"
	ActionObserve = "OBSERVE"
	ActionDelete  = "DELETE"
)

// Event is one critical tracking event with its key data elements.
type Event struct {
	// ID is the event's store id (0 until recorded). EventID is its global id (an
	// EPCIS eventID such as urn:uuid:…); recording the same EventID twice stores it
	// once.
	ID      int64  `json:"-"`
	EventID string `json:"event_id"`
	Type    string `json:"type"`
	// Time is when it happened; TimeZone is the offset of the place, "+01:00"
	// (EPCIS eventTimeZoneOffset). Recorded is when lotsense stored it.
	Time     time.Time `json:"time"`
	TimeZone string    `json:"time_zone,omitempty"`
	Recorded time.Time `json:"recorded,omitzero"`
	// Action is ADD, OBSERVE or DELETE (EPCIS); BizStep and Disposition are CBV
	// short names ("shipping", "in_transit").
	Action      string `json:"action,omitempty"`
	BizStep     string `json:"biz_step,omitempty"`
	Disposition string `json:"disposition,omitempty"`
	// Location is the GLN where it happened (EPCIS bizLocation and readPoint): the
	// receive location, the place of packing or transformation, the place shipped from.
	Location  string `json:"location,omitempty"`
	ReadPoint string `json:"read_point,omitempty"` // a finer read point (a door), when known
	// ShipFrom and ShipTo are GLNs of places or parties (EPCIS source and
	// destination lists, type location).
	ShipFrom string `json:"ship_from,omitempty"`
	ShipTo   string `json:"ship_to,omitempty"`
	// Lots are the lots the event concerns with quantities; for a transformation,
	// Inputs are used and Outputs made.
	Lots    []LotQuantity `json:"lots,omitempty"`
	Inputs  []LotQuantity `json:"inputs,omitempty"`
	Outputs []LotQuantity `json:"outputs,omitempty"`
	// EPCs are instance identifiers (SGTIN, SSCC pure-identity URIs) the event
	// concerns; for an aggregation, Parent is the pallet's SSCC URI and EPCs the cases.
	EPCs   []string `json:"epcs,omitempty"`
	Parent string   `json:"parent,omitempty"`
	// Documents are the reference documents (FSMA's reference document type and
	// number; EPCIS bizTransactionList).
	Documents []Document `json:"documents,omitempty"`
	// Sensors is temperature and other evidence (EPCIS sensorElementList).
	Sensors []SensorReport `json:"sensors,omitempty"`
	// Source says where the event came from: "gateway:<site>/<gateway>",
	// "api:<user>", "epcis:<capture id>". Site is the lotsense site it happened at.
	Source string `json:"source,omitempty"`
	Site   string `json:"site,omitempty"`
	// Reason explains a disposition.
	Reason string `json:"reason,omitempty"`
	// Extra keeps fields of a captured EPCIS event that lotsense has no column for
	// (extensions, ilmd, certificationInfo…), so export after capture loses nothing.
	Extra map[string]json.RawMessage `json:"extra,omitempty"`
}

// LotQuantity is a quantity of one lot.
type LotQuantity struct {
	GTIN     string  `json:"gtin"`
	Lot      string  `json:"lot"`
	Quantity float64 `json:"quantity,omitempty"`
	// Unit is a UN/CEFACT common code; empty with a zero quantity means the
	// quantity is unknown.
	Unit string `json:"unit,omitempty"`
}

// Key is the lot's key (drivers/gs1.LotKey).
func (q LotQuantity) Key() string { return gs1.LotKey(q.GTIN, q.Lot) }

// Document is a reference document: type (CBV business transaction type short
// name: po, desadv, inv, bol, prodorder…) and its number or URI.
type Document struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// SensorReport is one sensor element of an event: a series of measurements of one
// device, as EPCIS 2.0 sensorElementList carries them.
type SensorReport struct {
	DeviceID string          `json:"device_id,omitempty"`
	Time     time.Time       `json:"time,omitzero"`
	Values   []SensorReading `json:"values"`
}

// SensorReading is one measurement: Type is a gs1: measurement type
// ("Temperature"), UOM a UN/CEFACT code ("CEL"). Min and Max, when both are set
// with no Value, describe a range over the report's interval.
type SensorReading struct {
	Type  string    `json:"type"`
	Time  time.Time `json:"time,omitzero"`
	Value *float64  `json:"value,omitempty"`
	Min   *float64  `json:"min,omitempty"`
	Max   *float64  `json:"max,omitempty"`
	Mean  *float64  `json:"mean,omitempty"`
	UOM   string    `json:"uom,omitempty"`
}
