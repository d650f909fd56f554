package ingest

import (
	"context"
	"strconv"

	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/drivers/gs1"
	"github.com/lotsense/lotsense/gateway/wire"
)

// Attributes of dock-door portal events (see gateway/portal).
const (
	attrReadPoint  = "read_point"
	attrTags       = "tags"
	attrUnassigned = "unassigned" // "true" on the event of tags with no known lot
	attrInside     = "inside"     // where a received pallet went, or a shipped one came from
)

// portalEvent applies a dock-door event stored for the first time (seq of outbox src)
// to its lots: each lot is created if unknown, last seen now where the event leaves
// it, and gains a movement. An event of unassigned tags concerns no lot. A lot key
// that is not a GS1 lot key is counted, logged and skipped: the event itself is kept.
func (b *txBatch) portalEvent(ctx context.Context, site string, src int64, seq uint64, e *wire.Event) error {
	if e.Attrs[attrUnassigned] == "true" {
		return nil
	}
	m := store.Movement{
		Time: e.Time, Type: e.Type, Door: e.Location, Inside: e.Attrs[attrInside], Direction: e.Direction,
		ReadPoint: e.Attrs[attrReadPoint], Tags: len(e.EPCs),
	}
	if n, err := strconv.Atoi(e.Attrs[attrTags]); err == nil && n >= 0 {
		m.Tags = n
	}
	where := lotLocation(e.Type, e.Location, m.Inside)
	for _, key := range e.Lots {
		gtin, lot, err := gs1.ParseLotKey(key)
		if err != nil {
			b.in.m.badLots.Inc()
			b.in.log.Warn("ingest: portal event names an invalid lot; event kept, lot ignored",
				"site", site, "type", e.Type, "door", e.Location, "seq", seq, "lot", key, "err", err)
			continue
		}
		id, err := b.tx.Lot(ctx, key, gtin, lot, site, where, e.Time)
		if err != nil {
			return err
		}
		ok, err := b.tx.InsertMovement(ctx, id, src, seq, &m)
		if err != nil {
			return err
		}
		if ok {
			b.in.m.movements.Inc()
		}
	}
	return nil
}

// lotLocation is where a movement leaves its lots: a received lot is in the location
// behind the door (the door itself when none is configured); a shipped lot left
// through the door; a lot seen without a direction was last seen at the door; putaway
// and picking happen at the event's location (a lot picked was last seen there).
func lotLocation(typ, door, inside string) string {
	if typ == store.EventReceiving && inside != "" {
		return inside
	}
	return door
}
