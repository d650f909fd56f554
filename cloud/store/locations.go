package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
)

// LatestReading is the newest reading of one sensor and quantity.
type LatestReading struct {
	Gateway  string    `json:"gateway"`
	Sensor   string    `json:"sensor"`
	Quantity string    `json:"quantity"`
	Unit     string    `json:"unit,omitempty"`
	Value    float64   `json:"value"`
	Quality  string    `json:"quality"`
	Time     time.Time `json:"time"`
	Synced   bool      `json:"synced"`
}

// PresentLot is a lot present at a location: one the gateway attached to the newest
// reading there.
type PresentLot struct {
	Key    string `json:"id"`
	GTIN   string `json:"gtin"`
	Lot    string `json:"lot"`
	Status string `json:"status"`
}

// LocationState is a site's location as its sensors last saw it: the newest reading
// of each sensor and quantity measured there, and the lots the newest reading
// carried.
type LocationState struct {
	Site     string          `json:"site"`
	Location string          `json:"location"`
	Latest   []LatestReading `json:"latest"`
	Lots     []PresentLot    `json:"lots"`
	// Updated is the time of the newest reading.
	Updated time.Time `json:"updated"`

	lotSet     int64 // of the newest reading
	lotSetTime int64
}

// MaxSeries bounds the sensor series Locations looks at.
const MaxSeries = 10000

// Locations returns every location readings came from, by site and location, with the
// newest reading of each sensor and quantity (a series: one gateway outbox, sensor and
// quantity) and the lots present there. It walks the readings_series index (source,
// sensor, quantity, time; migration 9): two index seeks per series, whatever the
// number of readings stored.
func (s *Store) Locations(ctx context.Context) ([]LocationState, error) {
	conn, err := s.r.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: locations: %w", err)
	}
	defer conn.Close()
	gateways := map[int64][2]string{} // source id → site, gateway
	rows, err := conn.QueryContext(ctx, `SELECT id, site, gateway FROM sources`)
	if err != nil {
		return nil, fmt.Errorf("store: locations: %w", err)
	}
	for rows.Next() {
		var id int64
		var site, gw string
		if err := rows.Scan(&id, &site, &gw); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: locations: %w", err)
		}
		gateways[id] = [2]string{site, gw}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: locations: %w", err)
	}

	type key struct{ site, location, sensor, gateway string }
	byLoc := map[[2]string]*LocationState{}
	seen := map[key]map[int]int{} // → quantity → index in Latest, to keep the newest of several outboxes
	var (
		src     int64 = -1
		sensor  string
		qty     int = -1
		started bool
	)
	for n := 0; n < MaxSeries; n++ {
		// The next series after (src, sensor, qty), in index order.
		var err error
		if !started {
			err = conn.QueryRowContext(ctx, `SELECT source_id, sensor, quantity FROM readings
ORDER BY source_id, sensor, quantity LIMIT 1`).Scan(&src, &sensor, &qty)
			started = true
		} else {
			err = conn.QueryRowContext(ctx, `SELECT source_id, sensor, quantity FROM readings
WHERE (source_id, sensor, quantity) > (?, ?, ?) ORDER BY source_id, sensor, quantity LIMIT 1`, src, sensor, qty).Scan(&src, &sensor, &qty)
		}
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("store: locations: next series: %w", err)
		}
		var (
			t, value  = int64(0), 0.0
			location  string
			synced    bool
			quality   int
			lotSet    sql.NullInt64
			sg        = gateways[src]
			site, gwy = sg[0], sg[1]
		)
		err = conn.QueryRowContext(ctx, `SELECT time, location, value, quality, synced, lotset_id FROM readings
WHERE source_id = ? AND sensor = ? AND quantity = ? ORDER BY time DESC LIMIT 1`, src, sensor, qty).
			Scan(&t, &location, &value, &quality, &synced, &lotSet)
		if err != nil {
			return nil, fmt.Errorf("store: locations: newest reading of %s/%s: %w", gwy, sensor, err)
		}
		lk := [2]string{site, location}
		loc := byLoc[lk]
		if loc == nil {
			loc = &LocationState{Site: site, Location: location, Latest: []LatestReading{}, Lots: []PresentLot{}}
			byLoc[lk] = loc
		}
		q := wire.Quantity(qty)
		r := LatestReading{Gateway: gwy, Sensor: sensor, Quantity: q.String(), Unit: q.Unit(), Value: value,
			Quality: wire.Quality(quality).String(), Time: fromMicros(t), Synced: synced}
		k := key{site, location, sensor, gwy}
		if seen[k] == nil {
			seen[k] = map[int]int{}
		}
		if i, ok := seen[k][qty]; ok { // an older outbox of the same gateway
			if r.Time.After(loc.Latest[i].Time) {
				loc.Latest[i] = r
			}
		} else {
			seen[k][qty] = len(loc.Latest)
			loc.Latest = append(loc.Latest, r)
		}
		if t >= loc.lotSetTime {
			loc.lotSetTime, loc.lotSet = t, lotSet.Int64
			if loc.Updated.IsZero() || r.Time.After(loc.Updated) {
				loc.Updated = r.Time
			}
		}
	}

	out := make([]LocationState, 0, len(byLoc))
	for _, loc := range byLoc {
		sort.Slice(loc.Latest, func(i, j int) bool {
			a, b := loc.Latest[i], loc.Latest[j]
			if a.Sensor != b.Sensor {
				return a.Sensor < b.Sensor
			}
			return a.Quantity < b.Quantity
		})
		if loc.lotSet != 0 {
			if loc.Lots, err = presentLots(ctx, conn, loc.lotSet); err != nil {
				return nil, err
			}
		}
		out = append(out, *loc)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Site != out[j].Site {
			return out[i].Site < out[j].Site
		}
		return out[i].Location < out[j].Location
	})
	return out, nil
}

// presentLots returns the lots of a lot set, by key.
func presentLots(ctx context.Context, conn *sql.Conn, lotSet int64) ([]PresentLot, error) {
	rows, err := conn.QueryContext(ctx, `SELECT l.key, l.gtin, l.lot, l.status FROM lotset_members m JOIN lots l ON l.id = m.lot_id
WHERE m.lotset_id = ? ORDER BY l.key`, lotSet)
	if err != nil {
		return nil, fmt.Errorf("store: lots of lot set %d: %w", lotSet, err)
	}
	defer rows.Close()
	out := []PresentLot{}
	for rows.Next() {
		var p PresentLot
		if err := rows.Scan(&p.Key, &p.GTIN, &p.Lot, &p.Status); err != nil {
			return nil, fmt.Errorf("store: scan lot: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
