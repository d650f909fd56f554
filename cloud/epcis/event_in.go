package epcis

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/lotsense/lotsense/cloud/trace"
)

// eventIn maps one EPCIS event: members are taken from m as they are mapped, and
// whatever is left at the end goes to Extra.
type eventIn struct {
	m     map[string]json.RawMessage
	path  string
	lim   Limits
	e     *trace.Event
	extra map[string]json.RawMessage
}

var offsetRE = regexp.MustCompile(`^([+]|[-])((0[0-9]|1[0-3]):([0-5][0-9])|14:00)$`)

func decodeEvent(raw json.RawMessage, path string, lim Limits) (*trace.Event, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, fail(path, "want an event object")
	}
	in := &eventIn{m: m, path: path, lim: lim, e: &trace.Event{}, extra: map[string]json.RawMessage{}}
	if err := in.decode(); err != nil {
		if ee, ok := err.(*Error); ok && ee.EventID == "" {
			ee.EventID = in.e.EventID
		}
		return nil, err
	}
	return in.e, nil
}

func (in *eventIn) fail(key, format string, args ...any) *Error {
	return &Error{Path: in.path + "." + key, EventID: in.e.EventID, Reason: fmt.Sprintf(format, args...)}
}

// str takes the string member key; ok is false when there is none.
func (in *eventIn) str(key string) (s string, ok bool, err error) {
	raw, ok := in.m[key]
	if !ok {
		return "", false, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil || string(raw) == "null" {
		return "", false, in.fail(key, "want a string")
	}
	delete(in.m, key)
	return s, true, nil
}

func (in *eventIn) time(key string, required bool) (time.Time, error) {
	s, ok, err := in.str(key)
	if err != nil || !ok {
		if required && err == nil {
			err = in.fail(key, "missing")
		}
		return time.Time{}, err
	}
	t, err := parseTime(s)
	if err != nil {
		return time.Time{}, in.fail(key, "%q, want an RFC 3339 date and time", s)
	}
	return t, nil
}

// parseTime reads an RFC 3339 time into UTC. Years 1 to 9998 (in UTC) are kept,
// so the time can be written in any offset with four digits.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	t = t.UTC()
	if t.Year() < 1 || t.Year() > 9998 {
		return time.Time{}, fmt.Errorf("year %d out of range", t.Year())
	}
	return t, nil
}

func (in *eventIn) decode() error {
	e := in.e
	kind, ok, err := in.str("type")
	if err != nil {
		return err
	}
	if !ok {
		return in.fail("type", "missing")
	}
	if id, ok, err := in.str("eventID"); err != nil {
		return err
	} else if ok {
		if e.EventID, err = unwrap(eventPrefix, id); err != nil {
			return in.fail("eventID", "%v", err)
		}
	}
	switch kind {
	case "ObjectEvent", "AggregationEvent", "TransformationEvent":
	case "AssociationEvent", "TransactionEvent":
		return in.fail("type", "%s is not accepted: lotsense records ObjectEvent, AggregationEvent and TransformationEvent", kind)
	default:
		return in.fail("type", "%q, want ObjectEvent, AggregationEvent or TransformationEvent", kind)
	}
	if e.Time, err = in.time("eventTime", true); err != nil {
		return err
	}
	tz, ok, err := in.str("eventTimeZoneOffset")
	switch {
	case err != nil:
		return err
	case !ok:
		return in.fail("eventTimeZoneOffset", "missing, want ±hh:mm")
	case !offsetRE.MatchString(tz):
		return in.fail("eventTimeZoneOffset", "%q, want ±hh:mm from -14:00 to +14:00", tz)
	}
	e.TimeZone = tz
	if e.Recorded, err = in.time("recordTime", false); err != nil {
		return err
	}
	for _, f := range []struct {
		key, kind string
		to        *string
	}{{"bizStep", "bizStep", &e.BizStep}, {"disposition", "disposition", &e.Disposition},
		{extSite, "", &e.Site}, {extSource, "", &e.Source}, {extReason, "", &e.Reason}} {
		s, _, err := in.str(f.key)
		if err != nil {
			return err
		}
		if f.kind != "" {
			if s, err = termIn(f.kind, s); err != nil {
				return in.fail(f.key, "%v", err)
			}
		}
		*f.to = s
	}
	if err := in.place("readPoint", &e.ReadPoint); err != nil {
		return err
	}
	if err := in.place("bizLocation", &e.Location); err != nil {
		return err
	}
	if err := in.what(kind); err != nil {
		return err
	}
	if err := in.typ(kind); err != nil {
		return err
	}
	if err := in.context(); err != nil {
		return err
	}
	for k, v := range in.m {
		in.extra[k] = canonical(v)
	}
	if len(in.extra) > 0 {
		e.Extra = in.extra
	}
	return nil
}

// typ sets the trace type: lotsense:type when given, else from the EPCIS type and,
// for an ObjectEvent, the bizStep.
func (in *eventIn) typ(kind string) error {
	t, ok, err := in.str(extType)
	if err != nil {
		return err
	}
	want := map[string]string{"AggregationEvent": trace.Aggregation, "TransformationEvent": trace.Transformation}[kind]
	switch {
	case !ok && want == "":
		in.e.Type = objectType(in.e.BizStep)
	case !ok:
		in.e.Type = want
	case want == "" && eventKinds[t] == "ObjectEvent", t == want:
		in.e.Type = t
	default:
		return in.fail(extType, "%q does not fit a %s", t, kind)
	}
	return nil
}

// canonical is raw as encoding/json writes a json.RawMessage (compact, HTML
// characters escaped), so Extra is the same after a trip through the store.
func canonical(raw json.RawMessage) json.RawMessage {
	b, err := json.Marshal(raw)
	if err != nil {
		return raw
	}
	return b
}

// place maps {"id": <location URI>}; an id lotsense cannot name (an sgln with an
// extension, another scheme) leaves the member whole for Extra.
func (in *eventIn) place(key string, to *string) error {
	raw, ok := in.m[key]
	if !ok {
		return nil
	}
	var v map[string]json.RawMessage
	if err := json.Unmarshal(raw, &v); err != nil || v == nil {
		return in.fail(key, "want an object with an id")
	}
	var id string
	if err := json.Unmarshal(v["id"], &id); err != nil || id == "" {
		return in.fail(key+".id", "want a location URI")
	}
	p, ok, err := parsePlace(id)
	if err != nil {
		return in.fail(key+".id", "%v", err)
	}
	if ok && len(v) == 1 {
		*to = p
		delete(in.m, key)
	}
	return nil
}

// what maps what the event is about: EPCs, lots, parent, action.
func (in *eventIn) what(kind string) error {
	e := in.e
	var epcKeys, lotKeys []string
	switch kind {
	case "ObjectEvent":
		epcKeys = []string{"epcList"}
		lotKeys = []string{"quantityList"}
	case "AggregationEvent":
		epcKeys = []string{"childEPCs"}
		lotKeys = []string{"childQuantityList"}
		parent, _, err := in.str("parentID")
		if err != nil {
			return err
		}
		e.Parent = parent
	case "TransformationEvent":
		epcKeys = []string{extEPCs}
		lotKeys = []string{"inputQuantityList", "outputQuantityList"}
		a, _, err := in.str(extAction)
		if err != nil {
			return err
		}
		e.Action = a
	}
	if kind != "TransformationEvent" {
		a, ok, err := in.str("action")
		switch {
		case err != nil:
			return err
		case !ok:
			return in.fail("action", "missing, want ADD, OBSERVE or DELETE")
		case a != trace.ActionAdd && a != trace.ActionObserve && a != trace.ActionDelete:
			return in.fail("action", "%q, want ADD, OBSERVE or DELETE", a)
		}
		e.Action = a
	}
	for _, k := range epcKeys {
		raw, ok := in.m[k]
		if !ok {
			continue
		}
		var epcs []string
		if err := json.Unmarshal(raw, &epcs); err != nil || epcs == nil {
			return in.fail(k, "want an array of EPC URIs")
		}
		if len(epcs) > in.lim.MaxEPCs {
			return &Error{Path: in.path + "." + k, Reason: fmt.Sprintf("%d EPCs, at most %d", len(epcs), in.lim.MaxEPCs), limit: true}
		}
		delete(in.m, k)
		if len(epcs) > 0 {
			e.EPCs = epcs
		}
	}
	lots := 0
	for _, k := range lotKeys {
		to := &e.Lots
		switch k {
		case "inputQuantityList":
			to = &e.Inputs
		case "outputQuantityList":
			to = &e.Outputs
		}
		err := in.partial(k, func(at string, raw json.RawMessage) (bool, error) {
			if lots++; lots > in.lim.MaxLots {
				return false, &Error{Path: at, Reason: fmt.Sprintf("more than %d quantity elements", in.lim.MaxLots), limit: true}
			}
			q, ok, err := quantity(at, raw)
			if ok {
				*to = append(*to, q)
			}
			return ok, err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// partial walks the array at key: fit maps an element or says it cannot (then the
// element is kept in Extra under key).
func (in *eventIn) partial(key string, fit func(at string, raw json.RawMessage) (bool, error)) error {
	raw, ok := in.m[key]
	if !ok {
		return nil
	}
	delete(in.m, key)
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil || elems == nil {
		return in.fail(key, "want an array")
	}
	var rest []json.RawMessage
	for i, el := range elems {
		ok, err := fit(fmt.Sprintf("%s.%s[%d]", in.path, key, i), el)
		if err != nil {
			if ee, isErr := err.(*Error); isErr {
				ee.EventID = in.e.EventID
			}
			return err
		}
		if !ok {
			rest = append(rest, canonical(el))
		}
	}
	if len(rest) > 0 {
		b, err := json.Marshal(rest)
		if err != nil {
			return in.fail(key, "%v", err)
		}
		in.extra[key] = b
	}
	return nil
}

// members reads an object and reports whether it has only the given members.
func members(raw json.RawMessage, allowed ...string) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, false
	}
	for k := range m {
		found := false
		for _, a := range allowed {
			found = found || k == a
		}
		if !found {
			return m, false
		}
	}
	return m, true
}

// quantity maps a quantity element of a lot: an lgtin class (or a GS1 Digital Link of
// GTIN and lot) with an optional quantity and uom. Other classes are not lots (ok
// false); a malformed lgtin is an error.
func quantity(at string, raw json.RawMessage) (trace.LotQuantity, bool, error) {
	var q trace.LotQuantity
	m, only := members(raw, "epcClass", "quantity", "uom")
	if m == nil {
		return q, false, fail(at, "want a quantity element object")
	}
	var class string
	if err := json.Unmarshal(m["epcClass"], &class); err != nil || class == "" {
		return q, false, fail(at+".epcClass", "want a class URI")
	}
	var err error
	switch g, l, isLink := parseLotLink(class); {
	case strings.HasPrefix(class, lgtinPrefix):
		if q.GTIN, q.Lot, _, err = parseLGTIN(class); err != nil {
			return q, false, fail(at+".epcClass", "%v", err)
		}
	case isLink:
		q.GTIN, q.Lot = g, l
	default:
		return q, false, nil
	}
	if !only {
		return q, false, nil
	}
	if raw, ok := m["uom"]; ok {
		if err := json.Unmarshal(raw, &q.Unit); err != nil {
			return q, false, fail(at+".uom", "want a UN/CEFACT unit code")
		}
	}
	if raw, ok := m["quantity"]; ok {
		var n *float64
		if err := json.Unmarshal(raw, &n); err != nil || n == nil {
			return q, false, fail(at+".quantity", "want a number")
		}
		q.Quantity = *n
		if q.Unit == "" {
			q.Unit = "EA" // no uom: a count of instances
		}
	}
	return q, true, nil
}
