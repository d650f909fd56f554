package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/lotsense/lotsense/drivers/gs1"
	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/wire"
)

// holdsName is the file, in the outbox directory, that keeps the last hold list, so a
// gateway that restarts without a network still stops held lots at its doors.
const holdsName = "holds.json"

// Holds is the set of lots on hold at the site, as the cloud last published it on the
// gateway's retained holds topic. A held lot leaving through a dock door or scanned at a
// shipping station raises an alarm, with or without a network.
type Holds struct {
	mu      sync.RWMutex
	version uint64
	lots    map[string]bool
}

// Held reports whether the lot is on hold.
func (h *Holds) Held(lot string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.lots[lot]
}

// AnyHeld returns the lots of lots that are on hold, in their order.
func (h *Holds) AnyHeld(lots []string) []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []string
	for _, l := range lots {
		if h.lots[l] {
			out = append(out, l)
		}
	}
	return out
}

// Version returns the version of the hold list in force; 0: none received.
func (h *Holds) Version() uint64 {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.version
}

// DecodeHolds decodes and checks a holds payload: the site, and every lot a lot key.
func DecodeHolds(p []byte, site string) (*wire.Holds, error) {
	var m wire.Holds
	if err := wire.Decode(p, &m, &m.V); err != nil {
		return nil, err
	}
	if m.Site != site {
		return nil, fmt.Errorf("gateway: hold list for site %q, this gateway is in %q", m.Site, site)
	}
	for i, l := range m.Lots {
		if _, _, err := gs1.ParseLotKey(l); err != nil {
			// A hold list is all or nothing: a lot we cannot read might be the one to stop.
			return nil, fmt.Errorf("gateway: hold list version %d, lots[%d]: %w", m.Version, i, err)
		}
	}
	return &m, nil
}

// apply replaces the hold list when m is newer; it reports whether it did.
func (h *Holds) apply(m *wire.Holds) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if m.Version <= h.version {
		return false
	}
	h.version = m.Version
	h.lots = make(map[string]bool, len(m.Lots))
	for _, l := range m.Lots {
		h.lots[l] = true
	}
	return true
}

// applyHolds checks a holds payload and applies it when newer; save keeps it on disk.
func (g *gw) applyHolds(p []byte, save bool) error {
	m, err := DecodeHolds(p, g.cfg.Site)
	if err != nil {
		return err
	}
	if !g.holds.apply(m) {
		return nil
	}
	g.log.Info("hold list applied", "version", m.Version, "lots_on_hold", len(m.Lots))
	if save {
		if err := writeAtomic(filepath.Join(g.cfg.Outbox.Dir, holdsName), p); err != nil {
			g.log.Error("hold list not saved for the next start", "err", err)
		}
	}
	return nil
}

// loadHolds applies the hold list saved by the last run, if any.
func (g *gw) loadHolds() {
	g.loadSaved(holdsName, g.applyHolds, "no lot is known to be on hold until the cloud sends the list")
}

// raiseAlarm stores a local alarm (e.g. a held lot moving) on the alarms stream, which goes
// out before events and readings, logs it and counts it.
func (g *gw) raiseAlarm(ctx context.Context, a wire.Alarm) {
	a.Synced = g.sync.synced.Load()
	g.log.Error("ALARM", "kind", a.Kind, "location", a.Location, "lots", a.Lots, "message", a.Message)
	rec, err := json.Marshal(&a)
	if err == nil {
		_, err = g.ob.Append(ctx, outbox.Alarms, [][]byte{rec})
	}
	if err != nil {
		g.log.Error("alarm not stored", "kind", a.Kind, "err", err)
	}
}
