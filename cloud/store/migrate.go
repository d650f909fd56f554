package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order, each in its own transaction; the schema version is
// the number applied. Never edit one that has shipped: append a new one.
var migrations = []string{
	// 1: the first schema.
	`
CREATE TABLE sources (
	id INTEGER PRIMARY KEY,
	site TEXT NOT NULL, gateway TEXT NOT NULL, epoch TEXT NOT NULL,
	first_seen INTEGER NOT NULL,
	UNIQUE (site, gateway, epoch)
);
CREATE TABLE gateways (
	site TEXT NOT NULL, gateway TEXT NOT NULL,
	state TEXT NOT NULL, boot TEXT NOT NULL, version TEXT NOT NULL, config TEXT NOT NULL,
	pending INTEGER NOT NULL, updated INTEGER NOT NULL,
	PRIMARY KEY (site, gateway)
);
CREATE TABLE lots (
	id INTEGER PRIMARY KEY,
	key TEXT NOT NULL UNIQUE, gtin TEXT NOT NULL, lot TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'released', status_reason TEXT NOT NULL DEFAULT '',
	status_changed INTEGER NOT NULL,
	site TEXT NOT NULL, location TEXT NOT NULL,
	first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL
);
CREATE TABLE lot_status_history (
	id INTEGER PRIMARY KEY,
	lot_id INTEGER NOT NULL REFERENCES lots(id),
	at INTEGER NOT NULL, from_status TEXT NOT NULL, to_status TEXT NOT NULL,
	reason TEXT NOT NULL, actor TEXT NOT NULL
);
CREATE INDEX lot_status_history_lot ON lot_status_history (lot_id, at);
CREATE TABLE lotsets (
	id INTEGER PRIMARY KEY,
	key TEXT NOT NULL UNIQUE
);
CREATE TABLE lotset_members (
	lotset_id INTEGER NOT NULL REFERENCES lotsets(id),
	lot_id INTEGER NOT NULL REFERENCES lots(id),
	PRIMARY KEY (lotset_id, lot_id)
) WITHOUT ROWID;
CREATE INDEX lotset_members_lot ON lotset_members (lot_id);
CREATE TABLE readings (
	source_id INTEGER NOT NULL, seq INTEGER NOT NULL,
	time INTEGER NOT NULL, synced INTEGER NOT NULL,
	sensor TEXT NOT NULL, location TEXT NOT NULL,
	quantity INTEGER NOT NULL, value REAL NOT NULL, quality INTEGER NOT NULL,
	lotset_id INTEGER,
	PRIMARY KEY (source_id, seq)
) WITHOUT ROWID;
CREATE INDEX readings_lotset_time ON readings (lotset_id, time);
CREATE TABLE events (
	source_id INTEGER NOT NULL, seq INTEGER NOT NULL,
	time INTEGER NOT NULL, type TEXT NOT NULL, location TEXT NOT NULL, body TEXT NOT NULL,
	PRIMARY KEY (source_id, seq)
) WITHOUT ROWID;
CREATE TABLE alarms (
	source_id INTEGER NOT NULL, seq INTEGER NOT NULL,
	time INTEGER NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL, body TEXT NOT NULL,
	PRIMARY KEY (source_id, seq)
) WITHOUT ROWID;
CREATE TABLE excursions (
	id INTEGER PRIMARY KEY,
	lot_id INTEGER NOT NULL REFERENCES lots(id),
	rule TEXT NOT NULL, site TEXT NOT NULL, location TEXT NOT NULL, sensor TEXT NOT NULL,
	began INTEGER NOT NULL, detected INTEGER NOT NULL, ended INTEGER,
	peak REAL NOT NULL, limit_value REAL NOT NULL, delay_seconds REAL NOT NULL
);
CREATE INDEX excursions_lot ON excursions (lot_id, began);
CREATE TABLE alerts (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL, severity TEXT NOT NULL, state TEXT NOT NULL,
	site TEXT NOT NULL, location TEXT NOT NULL, sensor TEXT NOT NULL,
	lot_id INTEGER REFERENCES lots(id), excursion_id INTEGER REFERENCES excursions(id),
	message TEXT NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL
);
CREATE TABLE rule_state (
	lot_id INTEGER NOT NULL, sensor TEXT NOT NULL, rule TEXT NOT NULL, state TEXT NOT NULL,
	PRIMARY KEY (lot_id, sensor, rule)
) WITHOUT ROWID;
CREATE TABLE dead_letters (
	id INTEGER PRIMARY KEY,
	received INTEGER NOT NULL, topic TEXT NOT NULL, reason TEXT NOT NULL, payload BLOB NOT NULL
);
`,
	// 2: gaps a gateway declared (readings it thinned to stay within its disk budget).
	`
CREATE TABLE declared_gaps (
	source_id INTEGER NOT NULL REFERENCES sources(id),
	first INTEGER NOT NULL, last INTEGER NOT NULL, reason TEXT NOT NULL,
	PRIMARY KEY (source_id, first)
) WITHOUT ROWID;
`,
	// 3: lots passing dock doors (receiving, shipping, portal_seen events), one row per
	// lot per event; events listed newest first, by type or by location.
	`
CREATE TABLE lot_movements (
	lot_id INTEGER NOT NULL REFERENCES lots(id),
	source_id INTEGER NOT NULL REFERENCES sources(id), seq INTEGER NOT NULL,
	time INTEGER NOT NULL, type TEXT NOT NULL, location TEXT NOT NULL, inside TEXT NOT NULL,
	direction TEXT NOT NULL, read_point TEXT NOT NULL, tags INTEGER NOT NULL,
	PRIMARY KEY (lot_id, source_id, seq)
) WITHOUT ROWID;
CREATE INDEX lot_movements_lot_time ON lot_movements (lot_id, time);
CREATE INDEX events_time ON events (time);
CREATE INDEX events_type_time ON events (type, time);
CREATE INDEX events_location_time ON events (location, time);
`,
	// 4: hold-list versions, one per site, raised by every status change of a lot at the
	// site and whenever a held lot arrives at or leaves it (see bumpHoldVersion); a site
	// starts at the newest status change of its lots. The partial index finds held lots.
	`
CREATE TABLE hold_versions (
	site TEXT PRIMARY KEY,
	version INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO hold_versions (site, version)
SELECT l.site, max(h.id) FROM lot_status_history h JOIN lots l ON l.id = h.lot_id GROUP BY l.site;
CREATE INDEX lots_on_hold ON lots (site, key) WHERE status = 'on_hold';
`,
	// 5: the append-only audit log: every lot status change (and, later, every other
	// decision) with who, when, why, before and after, each entry hashed with the one
	// before it so a changed or removed entry breaks the chain (see audit.go).
	`
CREATE TABLE audit_log (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL,
	reason TEXT NOT NULL, before TEXT NOT NULL, after TEXT NOT NULL,
	prev_hash TEXT NOT NULL, hash TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject, id);
`,
	// 6: users, their browser sessions and API tokens (package auth). Sessions and
	// tokens are kept as SHA-256 hashes of their secrets, passwords as bcrypt hashes.
	`
CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE, role TEXT NOT NULL, password_hash TEXT NOT NULL,
	disabled INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL, updated INTEGER NOT NULL
);
CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	csrf TEXT NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires);
CREATE TABLE api_tokens (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL, user_id INTEGER NOT NULL REFERENCES users(id), scope TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE, created INTEGER NOT NULL, last_used INTEGER, revoked INTEGER
);
`,
	// 7: the alert lifecycle (see alerts.go): a condition seen again updates its alert
	// (count, last seen) while it is not resolved, so at most one unresolved alert per
	// condition (kind, site, location, lot key, subject: the sensor of sensor_offline,
	// the gateway of gateway and outbox alerts); who acknowledged and resolved it, when,
	// why. Alerts stored before are given their keys (the gateway of gateway_offline
	// read back from its message); those whose condition had cleared (an ended
	// excursion, a gateway online again) or that a newer alert of the same condition
	// replaces are resolved by "system:migration". alert_events holds every change of
	// an alert with the alert as it was after it (old alerts get one "opened" event with
	// the same id, so event ids stay above every alert id); webhooks, their durable
	// delivery log, and how far each other consumer of events (the MQTT alert topic) got.
	`
ALTER TABLE alerts ADD COLUMN gateway TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN lot_key TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE alerts ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN acked_at INTEGER;
ALTER TABLE alerts ADD COLUMN acked_by TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN ack_note TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN resolved_at INTEGER;
ALTER TABLE alerts ADD COLUMN resolved_by TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN resolve_note TEXT NOT NULL DEFAULT '';
UPDATE alerts SET last_seen = created, lot_key = coalesce((SELECT key FROM lots WHERE lots.id = alerts.lot_id), ''),
	subject = CASE WHEN kind = 'sensor_offline' THEN sensor ELSE '' END;
UPDATE alerts SET gateway = substr(message, 10 + length(site), instr(message, ' went offline') - 10 - length(site))
WHERE kind = 'gateway_offline' AND message LIKE 'Gateway ' || site || '/% went offline%';
UPDATE alerts SET subject = gateway WHERE kind = 'gateway_offline';
UPDATE alerts SET state = 'resolved', resolved_at = updated, resolved_by = 'system:migration', resolve_note = 'the excursion had ended'
WHERE state <> 'resolved' AND kind = 'excursion' AND excursion_id IN (SELECT id FROM excursions WHERE ended IS NOT NULL);
UPDATE alerts SET state = 'resolved', resolved_at = updated, resolved_by = 'system:migration', resolve_note = 'the gateway was online again'
WHERE state <> 'resolved' AND kind = 'gateway_offline'
	AND EXISTS (SELECT 1 FROM gateways g WHERE g.site = alerts.site AND g.gateway = alerts.gateway AND g.state = 'online');
UPDATE alerts SET state = 'resolved', resolved_at = updated, resolved_by = 'system:migration',
	resolve_note = 'a newer alert of the same condition replaces it'
WHERE state <> 'resolved' AND EXISTS (SELECT 1 FROM alerts n WHERE n.kind = alerts.kind AND n.site = alerts.site
	AND n.location = alerts.location AND n.lot_key = alerts.lot_key AND n.subject = alerts.subject
	AND n.state <> 'resolved' AND n.id > alerts.id);
CREATE UNIQUE INDEX alerts_condition ON alerts (kind, site, location, lot_key, subject) WHERE state <> 'resolved';
CREATE INDEX alerts_state ON alerts (state, id);
CREATE TABLE alert_events (
	id INTEGER PRIMARY KEY,
	alert_id INTEGER NOT NULL REFERENCES alerts(id),
	at INTEGER NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL, note TEXT NOT NULL,
	alert TEXT NOT NULL
);
CREATE INDEX alert_events_alert ON alert_events (alert_id, id);
INSERT INTO alert_events (id, alert_id, at, action, actor, note, alert)
SELECT id, id, created, 'opened', '', '', json_object('id', id, 'kind', kind, 'severity', severity, 'state', state,
	'site', site, 'location', location, 'gateway', gateway, 'sensor', sensor, 'lot', lot_key,
	'excursion_id', coalesce(excursion_id, 0), 'message', message, 'count', count,
	'first_seen', strftime('%Y-%m-%dT%H:%M:%fZ', created / 1000000.0, 'unixepoch'), 'last_seen', strftime('%Y-%m-%dT%H:%M:%fZ', last_seen / 1000000.0, 'unixepoch'),
	'updated', strftime('%Y-%m-%dT%H:%M:%fZ', updated / 1000000.0, 'unixepoch'),
	'resolved', CASE WHEN resolved_at IS NULL THEN NULL
		ELSE json_object('at', strftime('%Y-%m-%dT%H:%M:%fZ', resolved_at / 1000000.0, 'unixepoch'), 'by', resolved_by, 'note', resolve_note) END)
FROM alerts ORDER BY id;
CREATE TABLE webhooks (
	id INTEGER PRIMARY KEY,
	url TEXT NOT NULL, secret BLOB NOT NULL, kinds TEXT NOT NULL, min_severity TEXT NOT NULL,
	created INTEGER NOT NULL, removed INTEGER
);
CREATE TABLE webhook_deliveries (
	id INTEGER PRIMARY KEY,
	webhook_id INTEGER NOT NULL REFERENCES webhooks(id),
	event_id INTEGER NOT NULL REFERENCES alert_events(id),
	queued INTEGER NOT NULL, next_attempt INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
	last_attempt INTEGER, last_status INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
	delivered INTEGER, failed INTEGER,
	UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt) WHERE delivered IS NULL AND failed IS NULL;
CREATE TABLE notify_cursors (
	name TEXT PRIMARY KEY,
	event_id INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO notify_cursors (name, event_id) SELECT 'mqtt', coalesce(max(id), 0) FROM alert_events;
`,
	// 8: lots judged by the rules engine (cloud/ingest): excursions gain the engine's
	// evidence (its id "<rule>@<start>", kind, severity, profile, when closed, time
	// beyond and unknown, MKT, every location and sensor involved) and may be retracted
	// (kept, marked); excursions recorded before keep what they had (kind high, the
	// time from began to ended or detection as beyond). lot_rules holds each lot's
	// engine snapshot, lot_rule_log what was fed to it since, one row per transaction.
	`
ALTER TABLE excursions ADD COLUMN xid TEXT NOT NULL DEFAULT '';
ALTER TABLE excursions ADD COLUMN profile TEXT NOT NULL DEFAULT '';
ALTER TABLE excursions ADD COLUMN kind TEXT NOT NULL DEFAULT 'high';
ALTER TABLE excursions ADD COLUMN severity TEXT NOT NULL DEFAULT 'critical';
ALTER TABLE excursions ADD COLUMN closed INTEGER;
ALTER TABLE excursions ADD COLUMN beyond_seconds REAL NOT NULL DEFAULT 0;
ALTER TABLE excursions ADD COLUMN unknown_seconds REAL NOT NULL DEFAULT 0;
ALTER TABLE excursions ADD COLUMN mkt REAL;
ALTER TABLE excursions ADD COLUMN locations TEXT NOT NULL DEFAULT '[]';
ALTER TABLE excursions ADD COLUMN sensors TEXT NOT NULL DEFAULT '[]';
ALTER TABLE excursions ADD COLUMN retracted INTEGER;
ALTER TABLE excursions ADD COLUMN retract_note TEXT NOT NULL DEFAULT '';
UPDATE excursions SET closed = ended, locations = json_array(location), sensors = json_array(sensor),
	beyond_seconds = (coalesce(ended, detected) - began) / 1000000.0;
CREATE UNIQUE INDEX excursions_xid ON excursions (lot_id, xid) WHERE xid <> '';
CREATE TABLE lot_rules (
	lot_id INTEGER PRIMARY KEY REFERENCES lots(id),
	profile TEXT NOT NULL, snapshot BLOB NOT NULL, updated INTEGER NOT NULL
);
CREATE TABLE lot_rule_log (
	lot_id INTEGER NOT NULL REFERENCES lots(id), seq INTEGER NOT NULL, entries BLOB NOT NULL,
	PRIMARY KEY (lot_id, seq)
) WITHOUT ROWID;
`,
	// 9: each sensor series (gateway outbox, sensor, quantity) in time order, so the
	// dashboard's locations (Store.Locations) find every series' newest reading with two
	// index seeks per series instead of reading the whole table.
	`
CREATE INDEX readings_series ON readings (source_id, sensor, quantity, time);
`,
	// 10: the order events were stored in, so followers (the traceability record) can
	// read every event once, after a cursor; events stored before are fed in time order.
	`
CREATE TABLE event_feed (
	id INTEGER PRIMARY KEY,
	source_id INTEGER NOT NULL, seq INTEGER NOT NULL
);
INSERT INTO event_feed (source_id, seq) SELECT source_id, seq FROM events ORDER BY time, source_id, seq;
`,
	// 11: hold lists carry every lot that must not ship: on hold, rejected or destroyed.
	`
DROP INDEX lots_on_hold;
CREATE INDEX lots_blocked ON lots (site, key) WHERE status <> 'released';
`,
	// 12: how far followers of the readings (the InfluxDB writer, cloud/influx) got in
	// each gateway outbox: per follower name and source, every reading with seq ≤ seq
	// has been handled.
	`
CREATE TABLE reading_cursors (
	name TEXT NOT NULL,
	source_id INTEGER NOT NULL REFERENCES sources(id),
	seq INTEGER NOT NULL,
	PRIMARY KEY (name, source_id)
) WITHOUT ROWID;
`,
}

// SchemaVersion is the schema this build expects.
func SchemaVersion() int { return len(migrations) }

// migrateTo applies the migrations up to version to.
func (s *Store) migrateTo(ctx context.Context, to int) error {
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return err
	}
	var v int
	err := s.w.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v)
	if err == sql.ErrNoRows {
		if _, err := s.w.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if v > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this build's %d: upgrade lotsense-cloud", v, len(migrations))
	}
	for i := v; i < to; i++ {
		tx, err := s.w.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, i+1); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: commit: %w", i+1, err)
		}
	}
	return nil
}
