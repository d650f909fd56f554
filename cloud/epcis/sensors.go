package epcis

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/lotsense/lotsense/cloud/trace"
)

// extSensorRest is the Extra key that keeps, for each of an event's Sensors, what its
// EPCIS sensor element had beyond trace.SensorReport (deviceMetadata, rawData,
// exception, stringValue…): an array aligned with Sensors, null where nothing is
// left. Encode merges it back into the elements and does not write the key itself.
const extSensorRest = "lotsense:sensorElementRest"

// sensorRest is one element's remainder, member by member.
type sensorRest struct {
	Element map[string]json.RawMessage   `json:"element,omitempty"`
	Meta    map[string]json.RawMessage   `json:"sensorMetadata,omitempty"`
	Reports []map[string]json.RawMessage `json:"sensorReport,omitempty"`
}

// compact writes o as one JSON object.
func (o object) compact() json.RawMessage {
	b := []byte{'{'}
	for i, m := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, quote(m.key)...)
		b = append(b, ':')
		b = append(b, m.val...)
	}
	return append(b, '}')
}

// merge adds rest's members that o does not have, in name order.
func (o *object) merge(rest map[string]json.RawMessage) {
	keys := make([]string, 0, len(rest))
	for k := range rest {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !o.has(k) {
			*o = append(*o, member{k, rest[k]})
		}
	}
}

func (o *object) time(key string, t time.Time, loc *time.Location) error {
	if t.IsZero() {
		return nil
	}
	s, err := timeText(t, loc)
	o.str(key, s)
	return err
}

func (o *object) number(key string, v *float64) error {
	if v == nil {
		return nil
	}
	return o.add(key, *v)
}

// sensorsOut writes e.Sensors as sensor elements, each merged with its remainder.
func sensorsOut(loc *time.Location, e *trace.Event) ([]json.RawMessage, error) {
	var rests []*sensorRest
	if raw, ok := e.Extra[extSensorRest]; ok {
		if err := json.Unmarshal(raw, &rests); err != nil {
			return nil, fmt.Errorf("extra %s: %v", extSensorRest, err)
		}
	}
	out := make([]json.RawMessage, 0, len(e.Sensors))
	for i, s := range e.Sensors {
		rest := &sensorRest{}
		if i < len(rests) && rests[i] != nil {
			rest = rests[i]
		}
		el, err := sensorOut(loc, s, rest)
		if err != nil {
			return nil, fmt.Errorf("sensors[%d]: %v", i, err)
		}
		out = append(out, el)
	}
	return out, nil
}

func sensorOut(loc *time.Location, s trace.SensorReport, rest *sensorRest) (json.RawMessage, error) {
	var meta, el object
	if err := meta.time("time", s.Time, loc); err != nil {
		return nil, err
	}
	if s.DeviceID != "" {
		meta.str("deviceID", wrap(devicePrefix, s.DeviceID))
	}
	meta.merge(rest.Meta)
	if len(meta) > 0 {
		el = append(el, member{"sensorMetadata", meta.compact()})
	}
	reports := make([]json.RawMessage, 0, len(s.Values))
	for j, v := range s.Values {
		var r object
		r = append(r, member{"type", quote(termOut("measurement", v.Type))})
		err := r.time("time", v.Time, loc)
		for _, n := range []struct {
			key string
			v   *float64
		}{{"value", v.Value}, {"minValue", v.Min}, {"maxValue", v.Max}, {"meanValue", v.Mean}} {
			err = cmpErr(err, r.number(n.key, n.v))
		}
		if err != nil {
			return nil, err
		}
		r.str("uom", v.UOM)
		if j < len(rest.Reports) {
			r.merge(rest.Reports[j])
		}
		reports = append(reports, r.compact())
	}
	if err := el.add("sensorReport", reports); err != nil {
		return nil, err
	}
	el.merge(rest.Element)
	return el.compact(), nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// sensors maps sensorElementList: an element whose modeled members have the types
// EPCIS gives them becomes a SensorReport (the rest of its members kept under
// extSensorRest); any other element is kept whole in Extra.
func (in *eventIn) sensors() error {
	if _, ok := in.m[extSensorRest]; ok {
		return in.fail(extSensorRest, "reserved for lotsense's own use")
	}
	var rests []*sensorRest
	kept := false
	err := in.partial("sensorElementList", func(at string, raw json.RawMessage) (bool, error) {
		s, rest, ok := sensorIn(raw)
		if ok {
			in.e.Sensors = append(in.e.Sensors, s)
			rests = append(rests, rest)
			kept = kept || rest != nil
		}
		return ok, nil
	})
	if err != nil || !kept {
		return err
	}
	b, err := json.Marshal(rests)
	if err != nil {
		return in.fail("sensorElementList", "%v", err)
	}
	in.extra[extSensorRest] = b
	return nil
}

// sensorIn maps one sensor element; rest is nil when nothing is left over.
func sensorIn(raw json.RawMessage) (s trace.SensorReport, rest *sensorRest, ok bool) {
	m, _ := members(raw)
	if m == nil {
		return s, nil, false
	}
	rest = &sensorRest{Element: leftover(m, "sensorMetadata", "sensorReport")}
	if meta, has := m["sensorMetadata"]; has {
		mm, _ := members(meta)
		if mm == nil || !optString(mm, "deviceID", &s.DeviceID) || !optTime(mm, "time", &s.Time) {
			return s, nil, false
		}
		id, err := unwrap(devicePrefix, s.DeviceID)
		if err != nil {
			return s, nil, false
		}
		s.DeviceID = id
		rest.Meta = leftover(mm, "time", "deviceID")
	}
	var reports []json.RawMessage
	if err := json.Unmarshal(m["sensorReport"], &reports); err != nil || reports == nil {
		return s, nil, false
	}
	s.Values = make([]trace.SensorReading, 0, len(reports))
	left := false
	for _, r := range reports {
		rm, _ := members(r)
		var v trace.SensorReading
		if rm == nil || !optString(rm, "type", &v.Type) || v.Type == "" || !optString(rm, "uom", &v.UOM) || !optTime(rm, "time", &v.Time) ||
			!optNumber(rm, "value", &v.Value) || !optNumber(rm, "minValue", &v.Min) ||
			!optNumber(rm, "maxValue", &v.Max) || !optNumber(rm, "meanValue", &v.Mean) {
			return s, nil, false
		}
		var err error
		if v.Type, err = termIn("measurement", v.Type); err != nil || v.Type == "" {
			return s, nil, false
		}
		s.Values = append(s.Values, v)
		l := leftover(rm, "type", "time", "value", "minValue", "maxValue", "meanValue", "uom")
		left = left || l != nil
		rest.Reports = append(rest.Reports, l)
	}
	if !left {
		rest.Reports = nil
	}
	if rest.Element == nil && rest.Meta == nil && rest.Reports == nil {
		rest = nil
	}
	return s, rest, true
}

// leftover returns m's members other than known, canonical; nil when none.
func leftover(m map[string]json.RawMessage, known ...string) map[string]json.RawMessage {
	var out map[string]json.RawMessage
	for k, v := range m {
		found := false
		for _, n := range known {
			found = found || k == n
		}
		if !found {
			if out == nil {
				out = map[string]json.RawMessage{}
			}
			out[k] = canonical(v)
		}
	}
	return out
}

func optString(m map[string]json.RawMessage, key string, to *string) bool {
	raw, ok := m[key]
	if !ok {
		return true
	}
	return json.Unmarshal(raw, to) == nil && string(raw) != "null"
}

func optTime(m map[string]json.RawMessage, key string, to *time.Time) bool {
	var s string
	if _, ok := m[key]; !ok {
		return true
	}
	if !optString(m, key, &s) {
		return false
	}
	t, err := parseTime(s)
	*to = t
	return err == nil
}

func optNumber(m map[string]json.RawMessage, key string, to **float64) bool {
	raw, ok := m[key]
	if !ok {
		return true
	}
	return json.Unmarshal(raw, to) == nil && *to != nil
}
