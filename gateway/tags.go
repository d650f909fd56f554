package gateway

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/lotsense/lotsense/drivers/gs1"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway/wire"
)

// TagLots resolves RFID tags to the lots they stand for (portal.Lots). It starts from
// the lots of the configuration file (their epcs) and is updated from the cloud's
// retained lot map; the portal goroutine reads it while the MQTT goroutine replaces it,
// so the table is immutable and swapped whole.
type TagLots struct {
	config *tagTable
	cur    atomic.Pointer[tagTable]
}

// tagTable is one immutable EPC → lots table.
type tagTable struct {
	exact   map[string][]string    // pure identity URI → lot keys
	classes map[string][]patternTo // URI without its last field → patterns of that class
}

type patternTo struct {
	p    gs1.EPCPattern
	lots []string
}

// NewTagLots builds the table from every lot of cfg (top-level lots and the lots of
// each location) with the tags listed under it. cfg has been validated: a pattern that
// does not parse is an error all the same.
func NewTagLots(cfg *fwconfig.Config) (*TagLots, error) {
	t := &tagTable{exact: map[string][]string{}, classes: map[string][]patternTo{}}
	add := func(l fwconfig.Lot) error {
		for _, s := range l.EPCs {
			p, err := gs1.ParseEPCPattern(s)
			if err != nil {
				return fmt.Errorf("gateway: lot %s: %w", l.Key(), err)
			}
			t.add(p, l.Key())
		}
		return nil
	}
	for _, l := range cfg.Lots {
		if err := add(l); err != nil {
			return nil, err
		}
	}
	for _, loc := range cfg.Locations {
		for _, l := range loc.Lots {
			if err := add(l); err != nil {
				return nil, err
			}
		}
	}
	tl := &TagLots{config: t}
	tl.cur.Store(t)
	return tl, nil
}

// add maps the pattern to one more lot (a pallet SSCC may stand for several).
func (t *tagTable) add(p gs1.EPCPattern, lot string) {
	if p.Last != "" {
		k := p.Class + "." + p.Last
		if !slices.Contains(t.exact[k], lot) {
			t.exact[k] = append(t.exact[k], lot)
		}
		return
	}
	for i, e := range t.classes[p.Class] {
		if e.p == p {
			if !slices.Contains(e.lots, lot) {
				t.classes[p.Class][i].lots = append(e.lots, lot)
			}
			return
		}
	}
	t.classes[p.Class] = append(t.classes[p.Class], patternTo{p: p, lots: []string{lot}})
}

// clone copies the table so a copy can be extended.
func (t *tagTable) clone() *tagTable {
	c := &tagTable{exact: make(map[string][]string, len(t.exact)), classes: make(map[string][]patternTo, len(t.classes))}
	for k, v := range t.exact {
		c.exact[k] = slices.Clone(v)
	}
	for k, v := range t.classes {
		c.classes[k] = slices.Clone(v)
	}
	return c
}

// ApplyLotMap replaces the cloud's part of the table with the lot map's tags: an EPC
// the lot map names resolves to the lot map's lot, whatever the configuration says;
// tags the lot map does not name keep the configuration's lots. It returns how many
// tags the lot map named, and an error for entries that are not EPC URIs or lot keys
// (those are skipped; the rest applies).
func (tl *TagLots) ApplyLotMap(m *wire.LotMap) (int, error) {
	t := tl.config.clone()
	var bad []string
	for epc, lot := range m.EPCs {
		p, err := gs1.ParseEPCPattern(epc)
		if err != nil {
			bad = append(bad, fmt.Sprintf("epc %q: %v", epc, err))
			continue
		}
		if _, _, err := gs1.ParseLotKey(lot); err != nil {
			bad = append(bad, fmt.Sprintf("lot of %s: %v", epc, err))
			continue
		}
		if p.Last != "" {
			delete(t.exact, p.Class+"."+p.Last) // the cloud's word replaces the file's
		}
		t.add(p, lot)
	}
	tl.cur.Store(t)
	n := len(m.EPCs) - len(bad)
	if len(bad) > 0 {
		slices.Sort(bad)
		return n, fmt.Errorf("gateway: lot map version %d: %d entries skipped: %s", m.Version, len(bad), strings.Join(bad, "; "))
	}
	return n, nil
}

// LotsOf returns the lots of the tag whose EPC bank is epc; known is false for a tag
// that is not a GS1 EPC or belongs to no known lot.
func (tl *TagLots) LotsOf(epc []byte) (lots []string, known bool) {
	var e gs1.EPC
	if gs1.DecodeEPCInto(epc, &e) != nil {
		return nil, false
	}
	return tl.cur.Load().lookup(e.URN())
}

func (t *tagTable) lookup(urn string) ([]string, bool) {
	if lots, ok := t.exact[urn]; ok {
		return lots, true
	}
	i := strings.LastIndexByte(urn, '.')
	if i < 0 {
		return nil, false
	}
	var out []string
	for _, e := range t.classes[urn[:i]] {
		if e.p.Matches(urn) {
			for _, l := range e.lots {
				if !slices.Contains(out, l) {
					out = append(out, l)
				}
			}
		}
	}
	return out, len(out) > 0
}

// FormatEPC names a tag in events: its EPC pure identity URI, or, for a tag that is not
// a GS1 EPC this gateway decodes, "hex:" and its upper-case hex.
func FormatEPC(epc []byte) string {
	var e gs1.EPC
	if gs1.DecodeEPCInto(epc, &e) == nil {
		return e.URN()
	}
	return "hex:" + strings.ToUpper(hex.EncodeToString(epc))
}

// LotsOfItem returns the lots of the item a barcode names by its EPC identity: an SSCC
// (a pallet, standing for its cases' lots) or a GTIN with a serial (a serialised case),
// and the item's EPC pure identity URI. A barcode does not say where the GS1 Company
// Prefix ends, which the URI needs, so every prefix length (6 to 12 digits) is tried;
// known is false when none names a known item, and then urn is the first candidate.
func (tl *TagLots) LotsOfItem(sscc, gtin14, serial string) (lots []string, urn string, known bool) {
	t := tl.cur.Load()
	for _, u := range itemURNs(sscc, gtin14, serial) {
		if urn == "" {
			urn = u
		}
		if lots, ok := t.lookup(u); ok {
			return lots, u, true
		}
	}
	return nil, urn, false
}

// itemURNs lists the pure identity URIs an SSCC (18 digits) or a GTIN-14 with a serial
// may have, one per company prefix length, longest prefix first.
func itemURNs(sscc, gtin14, serial string) []string {
	var out []string
	for k := 12; k >= 6; k-- {
		var e gs1.EPC
		var err error
		switch {
		case sscc != "":
			e, err = gs1.SSCCOf(sscc, k)
		case gtin14 != "" && serial != "":
			e, err = gs1.SGTINOf(gtin14, serial, k)
		default:
			return nil
		}
		if err == nil {
			out = append(out, e.URN())
		}
	}
	return out
}
