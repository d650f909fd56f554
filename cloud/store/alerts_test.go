package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var at0 = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// inTx runs fn in one committed transaction.
func inTx(t *testing.T, s *Store, fn func(ctx context.Context, tx *Tx) error) {
	t.Helper()
	ctx := context.Background()
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := fn(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func raise(t *testing.T, s *Store, a Alert, at time.Time) AlertEvent {
	t.Helper()
	var ev AlertEvent
	inTx(t, s, func(ctx context.Context, tx *Tx) (err error) {
		ev, err = tx.RaiseAlert(ctx, &a, at)
		return err
	})
	return ev
}

func TestRepeatedConditionUpdatesTheOpenAlert(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	door := Alert{Kind: KindHeldLotShipped, Severity: SeverityWarning, Site: "site-1", Location: "dock-1",
		Lot: "(01)09506000134352(10)L1", Gateway: "gw-1", Message: "first"}
	first := raise(t, s, door, at0)
	if first.Action != ActionOpened || first.Alert.Count != 1 || first.Alert.State != AlertOpen {
		t.Fatalf("first raise: %+v, want a new open alert", first)
	}
	// Same condition, later, more severe: the same alert, updated.
	again := door
	again.Severity, again.Message = SeverityCritical, "second"
	second := raise(t, s, again, at0.Add(time.Minute))
	// A lower severity does not lower it.
	again.Severity, again.Message = SeverityInfo, "third"
	third := raise(t, s, again, at0.Add(2*time.Minute))
	if second.Alert.ID != first.Alert.ID || third.Alert.ID != first.Alert.ID || second.Action != ActionUpdated {
		t.Fatalf("repeats raised alerts %d and %d (%s), want updates of %d", second.Alert.ID, third.Alert.ID, second.Action, first.Alert.ID)
	}
	a, err := s.Alert(ctx, first.Alert.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Count != 3 || a.Message != "third" || a.Severity != SeverityCritical ||
		!a.FirstSeen.Equal(at0) || !a.LastSeen.Equal(at0.Add(2*time.Minute)) || a.Lot != door.Lot || a.Gateway != "gw-1" {
		t.Fatalf("alert after 3 raises: %+v; want count 3, message third, critical, seen from 10:00 to 10:02", a)
	}
	// Another lot, another door, another kind: separate alerts.
	other := door
	other.Lot = "(01)09506000134352(10)L2"
	raise(t, s, other, at0)
	other = door
	other.Location = "dock-2"
	raise(t, s, other, at0)
	// Sensors of one room and gateways of one site are separate conditions.
	for _, sensor := range []string{"t1", "t2", "t1"} {
		raise(t, s, Alert{Kind: KindSensorOffline, Severity: SeverityWarning, Site: "site-1", Location: "room-1", Sensor: sensor}, at0)
	}
	for _, gw := range []string{"gw-1", "gw-2", "gw-2"} {
		raise(t, s, Alert{Kind: KindGatewayOffline, Severity: SeverityWarning, Site: "site-1", Gateway: gw}, at0)
	}
	list, err := s.Alerts(ctx, AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, a := range list {
		counts[a.Kind+" "+a.Location+a.Lot+a.Sensor+a.Gateway] = a.Count
	}
	want := map[string]int64{
		"held_lot_shipped dock-1(01)09506000134352(10)L1gw-1": 3, "held_lot_shipped dock-1(01)09506000134352(10)L2gw-1": 1,
		"held_lot_shipped dock-2(01)09506000134352(10)L1gw-1": 1,
		"sensor_offline room-1t1":                             2, "sensor_offline room-1t2": 1, "gateway_offline gw-1": 1, "gateway_offline gw-2": 2,
	}
	if len(counts) != len(want) {
		t.Fatalf("alerts %v, want %v", counts, want)
	}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("alert %q count %d, want %d", k, counts[k], n)
		}
	}
	hist, err := s.AlertHistory(ctx, first.Alert.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 || hist[0].Action != ActionOpened || hist[1].Action != ActionUpdated || hist[2].Alert.Count != 3 {
		t.Fatalf("history %+v, want opened, updated, updated (count 3)", hist)
	}
}

func TestResolvedAlertIsNotReopened(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	gw := Alert{Kind: KindGatewayOffline, Severity: SeverityWarning, Site: "site-1", Gateway: "gw-1", Message: "gone"}
	first := raise(t, s, gw, at0)
	inTx(t, s, func(ctx context.Context, tx *Tx) error {
		ok, err := tx.ResolveCondition(ctx, Alert{Kind: KindGatewayOffline, Site: "site-1", Gateway: "gw-1"}, "system:ingest", "back online", at0.Add(time.Minute))
		if err == nil && !ok {
			err = errors.New("nothing resolved")
		}
		return err
	})
	second := raise(t, s, gw, at0.Add(2*time.Minute))
	if second.Alert.ID == first.Alert.ID || second.Action != ActionOpened || second.Alert.Count != 1 {
		t.Fatalf("condition after resolution: %+v, want a new alert", second)
	}
	old, err := s.Alert(ctx, first.Alert.ID)
	if err != nil {
		t.Fatal(err)
	}
	if old.State != AlertResolved || old.Resolved == nil || old.Resolved.By != "system:ingest" || old.Resolved.Note != "back online" ||
		!old.Resolved.At.Equal(at0.Add(time.Minute)) || old.Count != 1 {
		t.Fatalf("resolved alert %+v (resolved %+v)", old, old.Resolved)
	}
	// Resolving a condition with no unresolved alert does nothing.
	inTx(t, s, func(ctx context.Context, tx *Tx) error {
		ok, err := tx.ResolveCondition(ctx, Alert{Kind: KindGatewayOffline, Site: "site-1", Gateway: "gw-9"}, "system:ingest", "", at0)
		if ok {
			t.Error("resolved an alert of another gateway")
		}
		return err
	})
}

func TestAlertTransitions(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	mk := func(loc string) int64 {
		return raise(t, s, Alert{Kind: KindHeldLotShipped, Severity: SeverityCritical, Site: "site-1", Location: loc}, at0).Alert.ID
	}
	acked, direct := mk("dock-1"), mk("dock-2")
	a, err := s.AcknowledgeAlert(ctx, acked, "qa-anna", "looking", at0.Add(time.Minute))
	if err != nil || a.State != AlertAcknowledged || a.Acknowledged == nil || a.Acknowledged.By != "qa-anna" || a.Acknowledged.Note != "looking" {
		t.Fatalf("ack: %+v %v", a, err)
	}
	// A repeat while acknowledged updates the same alert, which stays acknowledged.
	rep := raise(t, s, Alert{Kind: KindHeldLotShipped, Severity: SeverityCritical, Site: "site-1", Location: "dock-1"}, at0.Add(2*time.Minute))
	if rep.Alert.ID != acked || rep.Alert.State != AlertAcknowledged || rep.Alert.Count != 2 {
		t.Fatalf("repeat of an acknowledged alert: %+v", rep.Alert)
	}
	for _, c := range []struct {
		name string
		do   func() (Alert, error)
		ok   bool
	}{
		{"ack twice", func() (Alert, error) { return s.AcknowledgeAlert(ctx, acked, "qa-bob", "", at0) }, false},
		{"resolve acknowledged", func() (Alert, error) {
			return s.ResolveAlert(ctx, acked, "qa-bob", "pallet recalled", at0.Add(3*time.Minute))
		}, true},
		{"resolve open", func() (Alert, error) { return s.ResolveAlert(ctx, direct, "qa-bob", "false read", at0) }, true},
		{"ack resolved", func() (Alert, error) { return s.AcknowledgeAlert(ctx, direct, "qa-bob", "", at0) }, false},
		{"resolve resolved", func() (Alert, error) { return s.ResolveAlert(ctx, acked, "qa-bob", "", at0) }, false},
	} {
		a, err := c.do()
		if c.ok && (err != nil || a.State != AlertResolved) {
			t.Errorf("%s: %+v %v, want resolved", c.name, a, err)
		}
		if !c.ok && !errors.Is(err, ErrAlertTransition) {
			t.Errorf("%s: %v, want ErrAlertTransition", c.name, err)
		}
	}
	if _, err := s.AcknowledgeAlert(ctx, 999, "x", "", at0); !errors.Is(err, ErrNotFound) {
		t.Errorf("ack of an unknown alert: %v, want ErrNotFound", err)
	}
	a, err = s.Alert(ctx, acked)
	if err != nil || a.Acknowledged.By != "qa-anna" || a.Resolved.By != "qa-bob" || a.Resolved.Note != "pallet recalled" {
		t.Fatalf("after ack and resolve: %+v %v", a, err)
	}
	// Each change written once: opened, acknowledged, updated, resolved; refusals wrote nothing.
	hist, err := s.AlertHistory(ctx, acked)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range hist {
		actions = append(actions, e.Action+":"+e.Actor)
	}
	if got := strings.Join(actions, " "); got != "opened: acknowledged:qa-anna updated: resolved:qa-bob" {
		t.Errorf("history %s", got)
	}
	audit, err := s.AuditLog(ctx, "", 100)
	if err != nil || len(audit) != 3 || audit[0].Action != AuditAlertAcknowledge || audit[1].After != AlertResolved || audit[1].Reason != "pallet recalled" {
		t.Errorf("audit log %+v %v, want the ack and the two resolutions", audit, err)
	}
}

// A lot put on hold raises lot_on_hold; releasing it resolves that alert with the
// decision as its note.
func TestHoldRaisesAndReleaseResolvesLotOnHold(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	var lot int64
	inTx(t, s, func(ctx context.Context, tx *Tx) (err error) {
		lot, err = tx.Lot(ctx, "(01)09506000134352(10)L1", "09506000134352", "L1", "site-1", "room-1", at0)
		if err != nil {
			return err
		}
		_, err = tx.SetLotStatus(ctx, lot, StatusReleased, StatusOnHold, "excursion 1", "rules", at0)
		return err
	})
	list, err := s.Alerts(ctx, AlertFilter{Kind: KindLotOnHold})
	if err != nil || len(list) != 1 || list[0].Lot != "(01)09506000134352(10)L1" || list[0].Location != "room-1" ||
		list[0].Severity != SeverityWarning || !strings.Contains(list[0].Message, "excursion 1") {
		t.Fatalf("lot_on_hold alerts %+v %v", list, err)
	}
	inTx(t, s, func(ctx context.Context, tx *Tx) error {
		_, err := tx.SetLotStatus(ctx, lot, StatusOnHold, StatusReleased, "probe was faulty", "qa-anna", at0.Add(time.Hour))
		return err
	})
	a, err := s.Alert(ctx, list[0].ID)
	if err != nil || a.State != AlertResolved || a.Resolved.By != "qa-anna" || a.Resolved.Note != "lot released: probe was faulty" {
		t.Fatalf("after release: %+v %v", a, err)
	}
}

func TestAlertFilters(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	raise(t, s, Alert{Kind: KindGatewayOffline, Severity: SeverityWarning, Site: "site-1", Gateway: "gw-1"}, at0)
	crit := raise(t, s, Alert{Kind: KindHeldLotShipped, Severity: SeverityCritical, Site: "site-2", Location: "dock-1"}, at0)
	raise(t, s, Alert{Kind: KindOutboxRefusing, Severity: SeverityCritical, Site: "site-1", Gateway: "gw-1"}, at0)
	if _, err := s.AcknowledgeAlert(ctx, crit.Alert.ID, "", "", at0); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		f    AlertFilter
		want int
	}{
		{AlertFilter{}, 3}, {AlertFilter{Site: "site-1"}, 2}, {AlertFilter{Severity: SeverityCritical}, 2},
		{AlertFilter{Kind: KindGatewayOffline}, 1}, {AlertFilter{State: AlertAcknowledged}, 1}, {AlertFilter{State: AlertOpen}, 2},
		{AlertFilter{Site: "site-1", Severity: SeverityCritical, State: AlertOpen}, 1}, {AlertFilter{Site: "site-3"}, 0},
	} {
		list, err := s.Alerts(ctx, c.f)
		if err != nil || len(list) != c.want {
			t.Errorf("filter %+v: %d alerts (%v), want %d", c.f, len(list), err, c.want)
		}
	}
}
