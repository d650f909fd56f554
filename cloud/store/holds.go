package store

import (
	"context"
	"database/sql"
	"fmt"
)

// HoldList is what a site's gateways must know of holds: every lot at the site that
// must not ship — on hold, rejected or destroyed (a rejected lot waits for its return
// or destruction; a destroyed one seen at a door is a mistake to stop) — and a version that grows with every change, so a gateway can ignore an older
// copy of the list.
type HoldList struct {
	Site    string
	Version uint64
	Lots    []string // lot keys, sorted
}

// HoldLists returns the hold list of every site that has one (a site whose lots never
// changed status has none: its list is empty, version 0), ordered by site. Versions and
// lots come from one snapshot of the database.
func (s *Store) HoldLists(ctx context.Context) ([]HoldList, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT s.site, coalesce(v.version, 0), coalesce(l.key, '')
FROM (SELECT site FROM hold_versions UNION SELECT site FROM lots WHERE status <> 'released') s
LEFT JOIN hold_versions v ON v.site = s.site
LEFT JOIN lots l ON l.site = s.site AND l.status <> 'released'
ORDER BY s.site, l.key`)
	if err != nil {
		return nil, fmt.Errorf("store: hold lists: %w", err)
	}
	defer rows.Close()
	out := []HoldList{}
	for rows.Next() {
		var site, key string
		var version uint64
		if err := rows.Scan(&site, &version, &key); err != nil {
			return nil, fmt.Errorf("store: scan hold list: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].Site != site {
			out = append(out, HoldList{Site: site, Version: version, Lots: []string{}})
		}
		if key != "" {
			out[len(out)-1].Lots = append(out[len(out)-1].Lots, key)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: hold lists: %w", err)
	}
	return out, nil
}

// bumpHoldVersion raises the hold-list version of each site: one more than the highest
// version of any site, so a site's version only grows.
func bumpHoldVersion(ctx context.Context, tx *sql.Tx, sites ...string) error {
	for _, site := range sites {
		_, err := tx.ExecContext(ctx, `INSERT INTO hold_versions (site, version)
SELECT ?, coalesce(max(version), 0) + 1 FROM hold_versions WHERE true
ON CONFLICT (site) DO UPDATE SET version = excluded.version`, site)
		if err != nil {
			return fmt.Errorf("store: hold-list version of site %s: %w", site, err)
		}
	}
	return nil
}
