package epcis

import (
	"encoding/json"

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
		if typ == "" {
			return false, nil
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
	return in.sensors()
}
