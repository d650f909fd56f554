package epcis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/lotsense/lotsense/cloud/trace"
)

// EPCIS event types of lotsense's event types.
var eventKinds = map[string]string{
	trace.Commissioning:  "ObjectEvent",
	trace.Receiving:      "ObjectEvent",
	trace.Shipping:       "ObjectEvent",
	trace.Observation:    "ObjectEvent",
	trace.Disposition:    "ObjectEvent",
	trace.Aggregation:    "AggregationEvent",
	trace.Transformation: "TransformationEvent",
}

// Extension fields: what lotsense records and EPCIS has no field for.
const (
	extType   = "lotsense:type"    // the trace type, when the bizStep does not tell it
	extAction = "lotsense:action"  // a transformation's action (EPCIS has none)
	extEPCs   = "lotsense:epcList" // a transformation's EPCs (trace keeps one list)
	extSite   = "lotsense:site"
	extSource = "lotsense:source"
	extReason = "lotsense:reason"
)

// listKeys are the EPCIS lists whose elements lotsense may model only in part: the
// elements it cannot model are kept in Extra under the same key and written after
// the modeled ones.
var listKeys = map[string]bool{
	"quantityList": true, "childQuantityList": true, "inputQuantityList": true, "outputQuantityList": true,
	"bizTransactionList": true, "sourceList": true, "destinationList": true, "sensorElementList": true,
}

// objectType is the trace type an ObjectEvent with bizStep has when it carries no
// lotsense:type.
func objectType(bizStep string) string {
	switch bizStep {
	case "commissioning":
		return trace.Commissioning
	case "receiving", "arriving", "accepting":
		return trace.Receiving
	case "shipping", "departing":
		return trace.Shipping
	case "holding", "destroying", "decommissioning":
		return trace.Disposition
	}
	return trace.Observation
}

type encoder struct {
	ctx      context.Context
	products Products
	prefix   map[string]int // GTIN → company prefix length
}

func (enc *encoder) prefixLen(gtin string) (int, error) {
	if n, ok := enc.prefix[gtin]; ok {
		return n, nil
	}
	n := DefaultPrefixLength
	if enc.products != nil {
		p, err := enc.products.Product(enc.ctx, gtin)
		switch {
		case errors.Is(err, trace.ErrNotFound):
		case err != nil:
			return 0, err
		case p.CompanyPrefixLength != 0:
			n = p.CompanyPrefixLength
		}
	}
	enc.prefix[gtin] = n
	return n, nil
}

type quantityOut struct {
	EPCClass string   `json:"epcClass"`
	Quantity *float64 `json:"quantity,omitempty"`
	UOM      string   `json:"uom,omitempty"`
}

// quantities writes lots as quantity elements. A unit of EA (each) is a count of
// instances, which EPCIS writes without uom; an unknown quantity (0, no unit) has no
// quantity.
func (enc *encoder) quantities(field string, lots []trace.LotQuantity) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, 0, len(lots))
	for i, l := range lots {
		n, err := enc.prefixLen(l.GTIN)
		if err != nil {
			return nil, err
		}
		uri, err := lgtinURI(l.GTIN, l.Lot, n)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %v", field, i, err)
		}
		q := quantityOut{EPCClass: uri}
		if l.Quantity != 0 || l.Unit != "" {
			q.Quantity = &l.Quantity
			if l.Unit != "EA" {
				q.UOM = l.Unit
			}
		}
		b, err := json.Marshal(q)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %v", field, i, err)
		}
		out = append(out, b)
	}
	return out, nil
}

// list adds key with the modeled elements and those Extra keeps under key.
func list(o *object, key string, elems []json.RawMessage, extra map[string]json.RawMessage) error {
	if raw, ok := extra[key]; ok && listKeys[key] {
		var more []json.RawMessage
		if err := json.Unmarshal(raw, &more); err != nil {
			return fmt.Errorf("extra %s: want an array: %v", key, err)
		}
		elems = append(elems, more...)
	}
	if len(elems) == 0 {
		return nil
	}
	return o.add(key, elems)
}

func marshalAll[T any](items []T, f func(T) any) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, 0, len(items))
	for _, it := range items {
		b, err := json.Marshal(f(it))
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// timeText writes t in loc as RFC 3339, which wants a four-digit year.
func timeText(t time.Time, loc *time.Location) (string, error) {
	t = t.In(loc)
	if t.Year() < 0 || t.Year() > 9999 {
		return "", fmt.Errorf("time %v out of range", t)
	}
	return t.Format(time.RFC3339Nano), nil
}

func zone(offset string) (*time.Location, error) {
	z, err := time.Parse("-07:00", offset)
	if err != nil {
		return nil, fmt.Errorf("time zone %q, want ±hh:mm", offset)
	}
	_, secs := z.Zone()
	return time.FixedZone(offset, secs), nil
}

// event maps e to an EPCIS event object.
func (enc *encoder) event(e *trace.Event) (object, error) {
	kind, ok := eventKinds[e.Type]
	if !ok {
		return nil, fmt.Errorf("type %q has no EPCIS event type", e.Type)
	}
	tz := e.TimeZone
	if tz == "" {
		tz = "+00:00"
	}
	loc, err := zone(tz)
	if err != nil {
		return nil, err
	}
	o := object{}
	o.str("type", kind)
	t, err := timeText(e.Time, loc)
	if err != nil {
		return nil, err
	}
	o.str("eventTime", t)
	o.str("eventTimeZoneOffset", tz)
	if !e.Recorded.IsZero() {
		if t, err = timeText(e.Recorded, time.UTC); err != nil {
			return nil, err
		}
		o.str("recordTime", t)
	}
	if e.EventID != "" {
		o.str("eventID", wrap(eventPrefix, e.EventID))
	}
	if err := enc.what(&o, kind, e); err != nil {
		return nil, err
	}
	o.str("bizStep", termOut("bizStep", e.BizStep))
	o.str("disposition", termOut("disposition", e.Disposition))
	if e.ReadPoint != "" {
		o.add("readPoint", map[string]string{"id": placeURI(e.ReadPoint)})
	}
	if e.Location != "" {
		o.add("bizLocation", map[string]string{"id": placeURI(e.Location)})
	}
	if err := enc.context(&o, loc, e); err != nil {
		return nil, err
	}
	if kind == "ObjectEvent" && objectType(e.BizStep) != e.Type {
		o.str(extType, e.Type)
	}
	if kind == "TransformationEvent" {
		o.str(extAction, e.Action)
		if len(e.EPCs) > 0 {
			o.add(extEPCs, e.EPCs)
		}
	}
	o.str(extSite, e.Site)
	o.str(extSource, e.Source)
	o.str(extReason, e.Reason)
	keys := make([]string, 0, len(e.Extra))
	for k := range e.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if o.has(k) || listKeys[k] && modeledList(kind, k) || k == extSensorRest {
			continue
		}
		if !json.Valid(e.Extra[k]) {
			return nil, fmt.Errorf("extra %s: not JSON", k)
		}
		o = append(o, member{k, e.Extra[k]})
	}
	return o, nil
}

// modeledList reports whether kind's events have the list key (so list wrote Extra's
// part of it already).
func modeledList(kind, key string) bool {
	switch key {
	case "quantityList":
		return kind == "ObjectEvent"
	case "childQuantityList":
		return kind == "AggregationEvent"
	case "inputQuantityList", "outputQuantityList":
		return kind == "TransformationEvent"
	}
	return true
}

// what writes what the event is about: EPCs, lots, parent, action.
func (enc *encoder) what(o *object, kind string, e *trace.Event) error {
	switch kind {
	case "ObjectEvent":
		if len(e.EPCs) > 0 {
			o.add("epcList", e.EPCs)
		}
		q, err := enc.quantities("lots", e.Lots)
		if err != nil {
			return err
		}
		if err := list(o, "quantityList", q, e.Extra); err != nil {
			return err
		}
		action := e.Action
		if action == "" {
			action = trace.ActionObserve
			if e.Type == trace.Commissioning {
				action = trace.ActionAdd
			}
		}
		o.str("action", action)
	case "AggregationEvent":
		o.str("parentID", e.Parent)
		if len(e.EPCs) > 0 {
			o.add("childEPCs", e.EPCs)
		}
		q, err := enc.quantities("lots", e.Lots)
		if err != nil {
			return err
		}
		if err := list(o, "childQuantityList", q, e.Extra); err != nil {
			return err
		}
		action := e.Action
		if action == "" {
			action = trace.ActionAdd
		}
		o.str("action", action)
	case "TransformationEvent":
		for _, l := range []struct {
			key, field string
			lots       []trace.LotQuantity
		}{{"inputQuantityList", "inputs", e.Inputs}, {"outputQuantityList", "outputs", e.Outputs}} {
			q, err := enc.quantities(l.field, l.lots)
			if err != nil {
				return err
			}
			if err := list(o, l.key, q, e.Extra); err != nil {
				return err
			}
		}
	}
	return nil
}

type bizTransactionOut struct {
	Type           string `json:"type,omitempty"`
	BizTransaction string `json:"bizTransaction"`
}

type sourceOut struct {
	Type   string `json:"type"`
	Source string `json:"source"`
}

type destinationOut struct {
	Type        string `json:"type"`
	Destination string `json:"destination"`
}

// context writes the event's business context: documents, source and destination,
// sensor evidence.
func (enc *encoder) context(o *object, loc *time.Location, e *trace.Event) error {
	docs, err := marshalAll(e.Documents, func(d trace.Document) any {
		return bizTransactionOut{Type: termOut("btt", d.Type), BizTransaction: wrapBT(d.ID)}
	})
	if err != nil {
		return err
	}
	if err := list(o, "bizTransactionList", docs, e.Extra); err != nil {
		return err
	}
	var src, dst []json.RawMessage
	if e.ShipFrom != "" {
		b, _ := json.Marshal(sourceOut{"location", placeURI(e.ShipFrom)})
		src = append(src, b)
	}
	if e.ShipTo != "" {
		b, _ := json.Marshal(destinationOut{"location", placeURI(e.ShipTo)})
		dst = append(dst, b)
	}
	if err := list(o, "sourceList", src, e.Extra); err != nil {
		return err
	}
	if err := list(o, "destinationList", dst, e.Extra); err != nil {
		return err
	}
	sensors, err := sensorsOut(loc, e)
	if err != nil {
		return err
	}
	return list(o, "sensorElementList", sensors, e.Extra)
}

// wrapBT writes a document number as a URI: a URI stays, a plain number becomes
// urn:epcglobal:cbv:bt:0000000000000:<number>.
func wrapBT(id string) string { return wrap(btPrefix, id) }
