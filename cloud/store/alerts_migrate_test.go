package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// alertsMigration is the schema version that introduced the alert lifecycle.
func alertsMigration(t *testing.T) int {
	for i, m := range migrations {
		if strings.Contains(m, "CREATE TABLE alert_events") {
			return i + 1
		}
	}
	t.Fatal("no migration creates alert_events")
	return 0
}

// Alerts stored before the lifecycle existed get their dedupe keys; those whose
// condition cleared or that a newer alert of the same condition replaces are
// resolved, so the unique index holds; each gets one "opened" event with its own id,
// and the MQTT cursor starts after them (old alerts are not published again).
func TestUpgradeKeysAndResolvesOldAlerts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	v := alertsMigration(t)
	old, err := open(ctx, path, v-1)
	if err != nil {
		t.Fatal(err)
	}
	us := micros(at0)
	_, err = old.w.ExecContext(ctx, `
INSERT INTO lots (id, key, gtin, lot, status_changed, site, location, first_seen, last_seen)
VALUES (1, '(01)09506000134352(10)L1', '09506000134352', 'L1', ?1, 'site-1', 'room-1', ?1, ?1);
INSERT INTO excursions (id, lot_id, rule, site, location, sensor, began, detected, ended, peak, limit_value, delay_seconds)
VALUES (1, 1, 'high_limit', 'site-1', 'room-1', 't1', ?1, ?1, ?1, 9, 8, 60),
       (2, 1, 'high_limit', 'site-1', 'room-2', 't2', ?1, ?1, NULL, 9, 8, 60);
INSERT INTO gateways (site, gateway, state, boot, version, config, pending, updated)
VALUES ('site-1', 'gw-a', 'online', 'b', '', '', 0, ?1), ('site-1', 'gw-b', 'offline', 'b', '', '', 0, ?1);
INSERT INTO alerts (id, kind, severity, state, site, location, sensor, lot_id, excursion_id, message, created, updated) VALUES
 (1, 'excursion', 'critical', 'open', 'site-1', 'room-1', 't1', 1, 1, 'ended excursion', ?1, ?1),
 (2, 'excursion', 'critical', 'open', 'site-1', 'room-2', 't2', 1, 2, 'running excursion', ?1, ?1),
 (3, 'gateway_offline', 'warning', 'open', 'site-1', '', '', NULL, NULL, 'Gateway site-1/gw-a went offline (boot b)', ?1, ?1),
 (4, 'gateway_offline', 'warning', 'open', 'site-1', '', '', NULL, NULL, 'Gateway site-1/gw-b went offline (boot b)', ?1, ?1),
 (5, 'gateway_offline', 'warning', 'open', 'site-1', '', '', NULL, NULL, 'Gateway site-1/gw-b went offline (boot c)', ?2, ?2),
 (6, 'sensor_offline', 'warning', 'open', 'site-1', 'room-1', 't1', NULL, NULL, 'Sensor t1 silent', ?1, ?1),
 (7, 'sensor_offline', 'warning', 'open', 'site-1', 'room-1', 't2', NULL, NULL, 'Sensor t2 silent', ?1, ?1);`,
		us, micros(at0.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	old.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list, err := s.Alerts(ctx, AlertFilter{AfterID: 0, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		state, gateway, lot, by string
	}
	wants := map[int64]want{
		1: {AlertResolved, "", "(01)09506000134352(10)L1", "system:migration"}, // its excursion ended
		2: {AlertOpen, "", "(01)09506000134352(10)L1", ""},
		3: {AlertResolved, "gw-a", "", "system:migration"}, // gw-a is online
		4: {AlertResolved, "gw-b", "", "system:migration"}, // replaced by 5
		5: {AlertOpen, "gw-b", "", ""},
		6: {AlertOpen, "", "", ""}, 7: {AlertOpen, "", "", ""}, // two sensors: two conditions
	}
	if len(list) != len(wants) {
		t.Fatalf("%d alerts after the upgrade, want %d", len(list), len(wants))
	}
	for _, a := range list {
		w := wants[a.ID]
		by := ""
		if a.Resolved != nil {
			by = a.Resolved.By
		}
		if a.State != w.state || a.Gateway != w.gateway || a.Lot != w.lot || by != w.by || a.Count != 1 || !a.LastSeen.Equal(a.FirstSeen) {
			t.Errorf("alert %d after the upgrade: %+v (resolved by %q); want %+v", a.ID, a, by, w)
		}
	}
	// The unique index holds: a repeat of gw-b's condition updates alert 5.
	ev := raise(t, s, Alert{Kind: KindGatewayOffline, Severity: SeverityWarning, Site: "site-1", Gateway: "gw-b"}, at0.Add(2*time.Hour))
	if ev.Alert.ID != 5 || ev.Alert.Count != 2 {
		t.Errorf("repeat of gw-b offline: %+v, want alert 5 updated", ev.Alert)
	}
	// One opened event per old alert, with the alert's id and its state after the upgrade.
	evs, err := s.AlertEvents(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 8 || evs[3].ID != 4 || evs[3].Alert.ID != 4 || evs[3].Alert.State != AlertResolved ||
		evs[3].Alert.Resolved == nil || evs[3].Alert.Gateway != "gw-b" || !evs[3].Alert.FirstSeen.Equal(at0) || evs[7].ID <= 7 {
		t.Fatalf("events after the upgrade %+v", evs)
	}
	if c, err := s.Cursor(ctx, "mqtt"); err != nil || c != 7 {
		t.Errorf("mqtt cursor %d %v, want 7 (after the old alerts)", c, err)
	}
}
