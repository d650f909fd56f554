package gateway

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/gs1"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway/wire"
)

// Event types of scans, beside the station roles (receiving, putaway, picking, shipping).
const (
	// TypeScanRejected is a scan a station refused: unreadable, naming no lot, or a lot
	// on hold at a shipping station. The station signals it (three beeps).
	TypeScanRejected = "scan_rejected"
)

// Attribute keys of scan events.
const (
	AttrStation   = "station"
	AttrSource    = "source" // "scan"
	AttrGS1       = "gs1"    // the scan's element string in human-readable form
	AttrGTIN      = "gtin"
	AttrLot       = "lot"
	AttrSerial    = "serial"
	AttrSSCC      = "sscc"
	AttrExpiry    = "expiry"      // YYYY-MM-DD
	AttrBestBy    = "best_before" // YYYY-MM-DD
	AttrQuantity  = "quantity"    // units the scan counts (AI 30 or 37; 1 for a single item)
	AttrNetWeight = "net_weight"  // "12.5 kg"
	AttrShipTo    = "ship_to"     // GLN
	AttrReason    = "reason"      // scan_rejected: why
	AttrData      = "data"        // scan_rejected: what was scanned, escaped
	AttrRole      = "role"        // scan_rejected: the station's role
	AttrSymbology = "symbology"
)

// maxScanEcho bounds how much of a refused scan an event repeats.
const maxScanEcho = 256

// scanOutcome is what one scan at a station means. Exactly one of Event (accepted) and
// Rejected (refused, with Event the scan_rejected event) describes it.
type scanOutcome struct {
	Event    wire.Event
	Rejected string   // why the scan was refused; "" when accepted
	Held     []string // lots on hold the scan named (shipping: the reason it was refused)
	// Presence changes, applied by the caller: the item (identity, an EPC URI) or the
	// counted units (Count of each lot) arrive at or leave Location.
	Identity string
	Lots     []string
	Count    int
	Arrive   string // location the item comes into; ""
	Leave    string // location the item is taken from ("" with Depart: wherever it is)
	Depart   bool   // the item leaves the site
}

// decideScan turns one scan at a station into its event and presence change. It does
// no I/O: the tag table and hold list are read, nothing is written.
func decideScan(st *fwconfig.Station, sc drivers.Scan, at time.Time, tags *TagLots, holds *Holds) scanOutcome {
	base := wire.Event{Time: at, Location: st.Location, Attrs: map[string]string{AttrStation: st.ID, AttrSource: "scan"}}
	if sc.Symbology != "" {
		base.Attrs[AttrSymbology] = sc.Symbology
	}
	reject := func(why string, lots []string) scanOutcome {
		e := base
		e.Type = TypeScanRejected
		e.Lots = lots
		e.Attrs[AttrReason] = why
		e.Attrs[AttrRole] = st.Role
		e.Attrs[AttrData] = echo(sc.Data)
		return scanOutcome{Event: e, Rejected: why}
	}

	es, err := gs1.Parse(sc.Symbology+string(sc.Data), &gs1.ParseOptions{FNC1: st.FNC1, Now: at})
	if err != nil {
		return reject("unreadable: "+err.Error(), nil)
	}
	o := scanOutcome{Count: 1}
	lot, hasLot := es.LotKey()
	// An SSCC stands for the pallet's contents; a GTIN with a serial is one case. Their
	// EPC identity ties the scan to the same item an RFID portal reads.
	itemLots, identity, known := tags.LotsOfItem(es.SSCC(), gtin14(es), es.Serial())
	o.Identity = identity
	switch {
	case hasLot:
		o.Lots = []string{lot}
		if known {
			for _, l := range itemLots {
				if !slices.Contains(o.Lots, l) {
					o.Lots = append(o.Lots, l)
				}
			}
		}
	case known:
		o.Lots = slices.Clone(itemLots)
	default:
		why := "no lot: the label has no batch/lot (AI 10)"
		if es.SSCC() != "" {
			why += " and the pallet (SSCC " + es.SSCC() + ") is not known here: scan a case label"
		} else {
			why += ": scan the label that carries the lot"
		}
		return reject(why, nil)
	}
	if n, ok := es.Count(); ok && n > 0 {
		o.Count = n
	} else if n, ok := es.VarCount(); ok && n > 0 {
		o.Count = n
	}

	e := base
	e.Type = st.Role
	e.Lots = o.Lots
	if o.Identity != "" {
		e.EPCs = []string{o.Identity}
	}
	describe(e.Attrs, es, o.Count)
	switch st.Role {
	case fwconfig.RoleReceiving:
		e.Direction = "in"
		if st.Into != "" {
			e.Attrs[AttrInside] = st.Into // as a dock door's: where the goods went
			o.Arrive = st.Into
		}
	case fwconfig.RolePutaway:
		o.Arrive = st.Location
	case fwconfig.RolePicking:
		o.Leave = st.Location
	case fwconfig.RoleShipping:
		e.Direction = "out"
		if held := holds.AnyHeld(o.Lots); len(held) > 0 {
			out := reject("on hold: "+strings.Join(held, ", ")+" must not ship", held)
			out.Held = held
			return out
		}
		shipTo := es.ShipTo()
		if shipTo == "" {
			shipTo = st.ShipTo
		}
		if shipTo != "" {
			e.Attrs[AttrShipTo] = shipTo
		}
		o.Depart = true
	}
	o.Event = e
	return o
}

// gtin14 returns the scan's GTIN as 14 digits (AI 01 is always 14).
func gtin14(es gs1.ElementString) string { return es.GTIN() }

// describe puts what a lot tracker wants to see of a scan into event attributes.
func describe(a map[string]string, es gs1.ElementString, count int) {
	a[AttrGS1] = es.HRI()
	set := func(k, v string) {
		if v != "" {
			a[k] = v
		}
	}
	set(AttrGTIN, es.GTIN())
	if es.GTIN() == "" {
		set(AttrGTIN, es.ContentGTIN())
	}
	set(AttrLot, es.Lot())
	set(AttrSerial, es.Serial())
	set(AttrSSCC, es.SSCC())
	if t, _ := es.Expiry(); !t.IsZero() {
		a[AttrExpiry] = t.Format(time.DateOnly)
	}
	if t, _ := es.BestBefore(); !t.IsZero() {
		a[AttrBestBy] = t.Format(time.DateOnly)
	}
	a[AttrQuantity] = strconv.Itoa(count)
	if m, ok := es.NetWeight(); ok {
		a[AttrNetWeight] = fmt.Sprintf("%s %s", m.Decimal, m.Unit)
	}
}

// echo returns scanned bytes for an event: printable ASCII as is, the rest as \xNN (GS
// as \x1D), at most maxScanEcho bytes of input.
func echo(b []byte) string {
	var sb strings.Builder
	for i, c := range b {
		if i == maxScanEcho {
			sb.WriteString("…")
			break
		}
		if c >= 0x20 && c < 0x7f && c != '\\' {
			sb.WriteByte(c)
			continue
		}
		fmt.Fprintf(&sb, `\x%02X`, c)
	}
	return sb.String()
}
