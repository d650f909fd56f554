package gateway

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotsense/lotsense/drivers/gs1"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway/publish"
	"github.com/lotsense/lotsense/gateway/wire"
)

// lotMapName is the file, in the outbox directory, that keeps the last lot map applied,
// so a gateway restarting without a network still knows which tag is which lot.
const lotMapName = "lotmap.json"

// lotMaps applies the cloud's retained lot maps: newer versions only, each one whole.
type lotMaps struct {
	mu      sync.Mutex
	version uint64 // of the lot map applied; 0: none yet
}

// subscribeDown subscribes to the gateway's retained down topics on a new connection:
// the lot map, the hold list and, for a supervised gateway, the configuration.
func (g *gw) subscribeDown(c publish.Client) error {
	type down struct {
		kind    wire.Kind
		apply   func([]byte, bool) error
		refused prometheus.Counter
	}
	downs := []down{{wire.KindLotMap, g.applyLotMap, g.m.lotMapsRefused}, {wire.KindHolds, g.applyHolds, g.m.holdsRefused}}
	if g.ctl != nil { // supervised: configurations from the cloud too
		downs = append(downs, down{wire.KindConfig, func(p []byte, _ bool) error { return g.ctl.offer(g, p) }, g.m.configsRefused})
	}
	for _, d := range downs {
		topic := wire.Topic(g.cfg.Site, g.cfg.Gateway, d.kind)
		t := c.Subscribe(topic, 1, func(_ mqtt.Client, m mqtt.Message) {
			if err := d.apply(m.Payload(), true); err != nil {
				d.refused.Inc()
				g.log.Warn("message from the cloud refused; the previous one stays in force", "topic", m.Topic(), "err", err)
			}
		})
		if !t.WaitTimeout(10 * time.Second) {
			return fmt.Errorf("gateway: no SUBACK for %s within 10s", topic)
		}
		if err := t.Error(); err != nil {
			return fmt.Errorf("gateway: subscribe %s: %w", topic, err)
		}
	}
	return nil
}

// loadLotMap applies the lot map saved by the last run, if any.
func (g *gw) loadLotMap() {
	g.loadSaved(lotMapName, g.applyLotMap, "tags resolve from the configuration until the cloud sends one")
}

// applyLotMap checks a lot map payload and, when it is newer than the one in force,
// applies it: its tags to the EPC resolver, its locations' lots as their standing lots.
// Entries that do not check are skipped and logged; the rest applies. The error is for
// a payload refused whole.
func (g *gw) applyLotMap(p []byte, save bool) error {
	m, err := wire.DecodeLotMap(p)
	if err != nil {
		return err
	}
	if m.Site != g.cfg.Site {
		return fmt.Errorf("gateway: lot map for site %q, this gateway is in %q", m.Site, g.cfg.Site)
	}
	g.lotMap.mu.Lock()
	defer g.lotMap.mu.Unlock()
	if m.Version <= g.lotMap.version {
		g.log.Debug("lot map not newer than the one in force", "version", m.Version, "in_force", g.lotMap.version)
		return nil
	}
	var problems []error
	n, err := g.tags.ApplyLotMap(m)
	if err != nil {
		problems = append(problems, err)
	}
	locs := 0
	for loc, lots := range m.Locations {
		if !g.knownLocation(loc) {
			continue // another gateway's location
		}
		good := slices.DeleteFunc(slices.Clone(lots), func(l string) bool {
			_, _, err := gs1.ParseLotKey(l)
			if err != nil {
				problems = append(problems, fmt.Errorf("location %s: %w", loc, err))
			}
			return err != nil
		})
		g.binder.Set(loc, good)
		locs++
	}
	g.lotMap.version = m.Version
	g.log.Info("lot map applied", "version", m.Version, "tags", n, "locations", locs)
	if len(problems) > 0 {
		g.m.lotMapsRefused.Inc()
		g.log.Warn("lot map entries skipped", "version", m.Version, "err", errors.Join(problems...))
	}
	if save {
		if err := writeAtomic(filepath.Join(g.cfg.Outbox.Dir, lotMapName), p); err != nil {
			g.log.Error("lot map not saved for the next start", "err", err)
		}
	}
	return nil
}

// knownLocation reports whether the configuration has a location with this id.
func (g *gw) knownLocation(id string) bool {
	return slices.ContainsFunc(g.cfg.Locations, func(l fwconfig.Location) bool { return l.ID == id })
}
