package trace

import (
	"context"
	"fmt"
)

// migrations are applied in order, each in its own transaction; the schema version is
// the number applied. Never edit one that has shipped: append a new one. Statements
// are separated by ";\n" and written for both dialects (see Dialect.ddl); times are
// microseconds since the Unix epoch, dates days since it.
var migrations = [][]string{
	// 1: registry, events, the lot graph and the stock ledger.
	{
		`CREATE TABLE tr_products (
	gtin TEXT PRIMARY KEY,
	description TEXT NOT NULL, prefix_len INTEGER NOT NULL, profile TEXT NOT NULL,
	shelf_life_days INTEGER NOT NULL, unit TEXT NOT NULL,
	unit_value DOUBLE PRECISION NOT NULL, currency TEXT NOT NULL
)`,
		`CREATE TABLE tr_locations (
	gln TEXT PRIMARY KEY,
	kind TEXT NOT NULL, name TEXT NOT NULL, site TEXT NOT NULL, loc_key TEXT NOT NULL,
	parent TEXT NOT NULL, street TEXT NOT NULL, city TEXT NOT NULL, region TEXT NOT NULL,
	postal_code TEXT NOT NULL, country TEXT NOT NULL, min_shelf_life_days INTEGER NOT NULL
)`,
		`CREATE INDEX tr_locations_key ON tr_locations (site, loc_key)`,
		`CREATE TABLE tr_lots (
	id {id},
	gtin TEXT NOT NULL, code TEXT NOT NULL,
	produced INTEGER, packed INTEGER, expiry INTEGER,
	quantity DOUBLE PRECISION NOT NULL, unit TEXT NOT NULL,
	tlc_source TEXT NOT NULL, tlc_source_ref TEXT NOT NULL, tlc_assigned BIGINT,
	quarantined INTEGER NOT NULL DEFAULT 0,
	UNIQUE (gtin, code)
)`,
		`CREATE INDEX tr_lots_expiry ON tr_lots (gtin, expiry)`,
		`CREATE TABLE tr_events (
	id {id},
	event_id TEXT NOT NULL UNIQUE,
	type TEXT NOT NULL, time BIGINT NOT NULL, recorded BIGINT NOT NULL,
	site TEXT NOT NULL, location TEXT NOT NULL, ship_from TEXT NOT NULL, ship_to TEXT NOT NULL,
	source TEXT NOT NULL, body TEXT NOT NULL
)`,
		`CREATE INDEX tr_events_time ON tr_events (time)`,
		// role: 'lot' (the event's lots), 'in' (transformation input), 'out' (output).
		`CREATE TABLE tr_event_lots (
	event_id BIGINT NOT NULL REFERENCES tr_events(id),
	lot_id BIGINT NOT NULL REFERENCES tr_lots(id),
	role TEXT NOT NULL, quantity DOUBLE PRECISION NOT NULL, unit TEXT NOT NULL,
	PRIMARY KEY (event_id, lot_id, role)
)`,
		`CREATE INDEX tr_event_lots_lot ON tr_event_lots (lot_id, event_id)`,
		// The lot graph: output was made (in part) from input.
		`CREATE TABLE tr_lot_edges (
	input_id BIGINT NOT NULL REFERENCES tr_lots(id),
	output_id BIGINT NOT NULL REFERENCES tr_lots(id),
	event_id BIGINT NOT NULL REFERENCES tr_events(id),
	PRIMARY KEY (input_id, output_id, event_id)
)`,
		`CREATE INDEX tr_lot_edges_output ON tr_lot_edges (output_id, input_id)`,
		// Stock: one signed row per event, lot and place.
		`CREATE TABLE tr_ledger (
	event_id BIGINT NOT NULL REFERENCES tr_events(id),
	lot_id BIGINT NOT NULL REFERENCES tr_lots(id),
	site TEXT NOT NULL, location TEXT NOT NULL, time BIGINT NOT NULL,
	delta DOUBLE PRECISION NOT NULL, unit TEXT NOT NULL
)`,
		`CREATE INDEX tr_ledger_lot ON tr_ledger (lot_id, location)`,
		// Which lot an instance (a case's SGTIN, a pallet's SSCC) belongs to.
		`CREATE TABLE tr_epc_lots (
	epc TEXT NOT NULL, lot_id BIGINT NOT NULL REFERENCES tr_lots(id),
	PRIMARY KEY (epc, lot_id)
)`,
		`CREATE INDEX tr_epc_lots_lot ON tr_epc_lots (lot_id)`,
		// What is on each pallet now (aggregation ADD inserts, DELETE removes).
		`CREATE TABLE tr_contents (
	parent TEXT NOT NULL, child TEXT NOT NULL, event_id BIGINT NOT NULL REFERENCES tr_events(id),
	PRIMARY KEY (parent, child)
)`,
		`CREATE INDEX tr_contents_child ON tr_contents (child)`,
		// Lot code sequences: the next number per rendered prefix.
		`CREATE TABLE tr_lot_code_seq (
	prefix TEXT PRIMARY KEY, next BIGINT NOT NULL
)`,
		// Cursors of followers (the gateway-event follower's position in the cloud store).
		`CREATE TABLE tr_cursors (
	name TEXT PRIMARY KEY, position BIGINT NOT NULL
)`,
	},
}

// SchemaVersion is the schema version this code writes.
func SchemaVersion() int { return len(migrations) }

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS tr_schema_version (one INTEGER PRIMARY KEY, version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("trace: create version table: %w", err)
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO tr_schema_version (one, version) VALUES (1, 0) ON CONFLICT DO NOTHING`); err != nil {
		return fmt.Errorf("trace: create version row: %w", err)
	}
	for {
		done, err := s.migrateOne(ctx)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next migration, if any, under a lock so replicas starting
// together on one PostgreSQL do not both apply it.
func (s *Store) migrateOne(ctx context.Context) (done bool, err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("trace: migrate: %w", err)
	}
	defer tx.Rollback()
	if s.d == Postgres {
		if _, err := tx.ExecContext(ctx, `LOCK TABLE tr_schema_version IN EXCLUSIVE MODE`); err != nil {
			return false, fmt.Errorf("trace: migrate: lock: %w", err)
		}
	}
	var v int
	if err := tx.QueryRowContext(ctx, `SELECT version FROM tr_schema_version WHERE one = 1`).Scan(&v); err != nil {
		return false, fmt.Errorf("trace: migrate: read version: %w", err)
	}
	if v > len(migrations) {
		return false, fmt.Errorf("trace: database schema version %d is newer than this program's %d: upgrade lotsense-cloud", v, len(migrations))
	}
	if v == len(migrations) {
		return true, tx.Commit()
	}
	for i, stmt := range migrations[v] {
		if _, err := tx.ExecContext(ctx, s.d.ddl(stmt)); err != nil {
			return false, fmt.Errorf("trace: migration %d statement %d: %w", v+1, i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE tr_schema_version SET version = ?`), v+1); err != nil {
		return false, fmt.Errorf("trace: migrate: %w", err)
	}
	return false, tx.Commit()
}
