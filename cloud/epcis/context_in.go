package epcis

import (
	"encoding/json"
	"time"

	"github.com/lotsense/lotsense/cloud/trace"
)

// context maps the business context: documents, ship-from and ship-to, sensor
// evidence. Elements lotsense cannot model stay in Extra.
func (in *eventIn) context() error {
	e := in.e
	err := in.partial("bizTransactionList", func(at string, raw json.RawMessage) (bool, error) {
		m, only := members(raw, "type", "bizTransaction")
		var typ, id string
		if !only || json.Unmarshal(m["type"], &typ) != nil || json.Unmarshal(m["bizTransaction"], &id) != nil || typ == "" || id == "" {
			return false, nil
		}
		id, err := unwrap(btPrefix, id)
		if err != nil {
			return false, fail(at+".bizTransaction", "%v", err)
		}
		if typ, err = termIn("btt", typ); err != nil {
			return false, fail(at+".type", "%v", err)
		}
		e.Documents = append(e.Documents, trace.Document{Type: typ, ID: id})
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, l := range []struct {
		key, member string
		to          *string
	}{{"sourceList", "source", &e.ShipFrom}, {"destinationList", "destination", &e.ShipTo}} {
		err := in.partial(l.key, func(at string, raw json.RawMessage) (bool, error) {
			m, only := members(raw, "type", l.member)
			var typ, id string
			if !only || *l.to != "" || json.Unmarshal(m["type"], &typ) != nil || json.Unmarshal(m[l.member], &id) != nil ||
				bare("sdt", typ) != "location" {
				return false, nil
			}
			p, ok, err := parsePlace(id)
			if err != nil {
				return false, fail(at+"."+l.member, "%v", err)
			}
			if ok {
				*l.to = p
			}
			return ok, nil
		})
		if err != nil {
			return err
		}
	}
	return in.partial("sensorElementList", func(at string, raw json.RawMessage) (bool, error) {
		s, ok := sensorElementIn(raw)
		if ok {
			e.Sensors = append(e.Sensors, s)
		}
		return ok, nil
	})
}

// sensorElementIn maps a sensor element that has only what trace.SensorReport keeps: a
// device id and time, and reports of numbers.
func sensorElementIn(raw json.RawMessage) (trace.SensorReport, bool) {
	var s trace.SensorReport
	m, only := members(raw, "sensorMetadata", "sensorReport")
	if !only {
		return s, false
	}
	if meta, ok := m["sensorMetadata"]; ok {
		mm, only := members(meta, "time", "deviceID")
		if !only {
			return s, false
		}
		if !optString(mm, "deviceID", &s.DeviceID) || !optTime(mm, "time", &s.Time) {
			return s, false
		}
		id, err := unwrap(devicePrefix, s.DeviceID)
		if err != nil {
			return s, false
		}
		s.DeviceID = id
	}
	var reports []json.RawMessage
	if err := json.Unmarshal(m["sensorReport"], &reports); err != nil || reports == nil {
		return s, false
	}
	s.Values = make([]trace.SensorReading, 0, len(reports))
	for _, r := range reports {
		rm, only := members(r, "type", "time", "value", "minValue", "maxValue", "meanValue", "uom")
		var v trace.SensorReading
		if !only || !optString(rm, "type", &v.Type) || v.Type == "" || !optString(rm, "uom", &v.UOM) || !optTime(rm, "time", &v.Time) ||
			!optNumber(rm, "value", &v.Value) || !optNumber(rm, "minValue", &v.Min) ||
			!optNumber(rm, "maxValue", &v.Max) || !optNumber(rm, "meanValue", &v.Mean) {
			return s, false
		}
		var err error
		if v.Type, err = termIn("measurement", v.Type); err != nil {
			return s, false
		}
		s.Values = append(s.Values, v)
	}
	return s, true
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
