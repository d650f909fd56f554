package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Alert kinds.
const (
	KindExcursion      = "excursion"        // the cloud's rule found a lot too warm for too long
	KindLotOnHold      = "lot_on_hold"      // a lot was put on hold (by the rules or a person)
	KindSensorOffline  = "sensor_offline"   // a gateway found a sensor silent
	KindGatewayOffline = "gateway_offline"  // a gateway's MQTT last will
	KindOutboxThinned  = "outbox_thinned"   // a gateway outbox reached its disk budget and thinned readings
	KindOutboxRefusing = "outbox_refusing"  // a gateway outbox reached its disk budget and refuses readings
	KindHeldLotShipped = "held_lot_shipped" // a lot on hold left through a dock door or shipping station
	KindNearExpiry     = "near_expiry"      // stock of a lot on hand within an expiry bucket (30/60/90 days)
)

// Actions of alert events: what changed.
const (
	ActionOpened       = "opened"       // a new alert
	ActionUpdated      = "updated"      // its condition was seen again
	ActionAcknowledged = "acknowledged" // a person acknowledged it
	ActionResolved     = "resolved"     // a person resolved it, or its condition cleared
)

// Audit actions of alert decisions made by people.
const (
	AuditAlertAcknowledge = "alert.acknowledge"
	AuditAlertResolve     = "alert.resolve"
)

// ErrAlertTransition: the alert's state does not allow the change asked for.
var ErrAlertTransition = errors.New("alert state change not allowed")

// alertNext lists the states an alert may move to:
//
//	open         → acknowledged, resolved
//	acknowledged → resolved
//	resolved     → (nothing: a condition seen again raises a new alert)
var alertNext = map[string][]string{
	AlertOpen:         {AlertAcknowledged, AlertResolved},
	AlertAcknowledged: {AlertResolved},
}

// SeverityRank orders severities (info 0, warning 1, critical 2); -1 for anything else.
func SeverityRank(s string) int {
	switch s {
	case SeverityInfo:
		return 0
	case SeverityWarning:
		return 1
	case SeverityCritical:
		return 2
	}
	return -1
}

// alertSubject is the part of an alert's dedupe key beyond kind, site, location and lot:
// the device an alert is about when that is not a place or a lot. Two sensors of one
// room, or two gateways of one site, are separate conditions.
func alertSubject(a *Alert) string {
	switch a.Kind {
	case KindSensorOffline:
		return a.Sensor
	case KindGatewayOffline, KindOutboxThinned, KindOutboxRefusing:
		return a.Gateway
	}
	return ""
}

// OnAlertEvents sets fn to be called after every commit that changed alerts (the
// service wakes the alert hub with it). fn must not block.
func (s *Store) OnAlertEvents(fn func()) { s.alertHook.Store(&fn) }

func (s *Store) alertsChanged() {
	if fn := s.alertHook.Load(); fn != nil {
		(*fn)()
	}
}

// AlertEvents returns the alert changes written in this transaction so far.
func (t *Tx) AlertEvents() []AlertEvent { return t.events }

// RaiseAlert records that a condition was seen at time at. If an alert of the same
// condition (kind, site, location, lot, and the sensor of sensor_offline or the gateway
// of gateway_offline and outbox alarms) is not resolved, that alert is updated: its
// count and last seen, the new message, the severity if higher, the sensor, gateway
// and excursion when given. Otherwise a new open alert is created. *a is set to the
// alert as stored; the returned event is the change.
func (t *Tx) RaiseAlert(ctx context.Context, a *Alert, at time.Time) (AlertEvent, error) {
	if a.Kind == "" || a.Site == "" {
		return AlertEvent{}, fmt.Errorf("store: alert %q at site %q: kind and site are required", a.Kind, a.Site)
	}
	if SeverityRank(a.Severity) < 0 {
		return AlertEvent{}, fmt.Errorf("store: %s alert: unknown severity %q", a.Kind, a.Severity)
	}
	if err := t.alertLot(ctx, a); err != nil {
		return AlertEvent{}, err
	}
	at = fromMicros(micros(at))
	subject := alertSubject(a)
	var id int64
	err := t.tx.QueryRowContext(ctx, `SELECT id FROM alerts
WHERE kind = ? AND site = ? AND location = ? AND lot_key = ? AND subject = ? AND state <> 'resolved'`,
		a.Kind, a.Site, a.Location, a.Lot, subject).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return t.openAlert(ctx, a, subject, at)
	}
	if err != nil {
		return AlertEvent{}, fmt.Errorf("store: find %s alert: %w", a.Kind, err)
	}
	cur, err := getAlert(ctx, t.tx, id)
	if err != nil {
		return AlertEvent{}, err
	}
	cur.Count++
	cur.LastSeen = later(cur.LastSeen, at)
	cur.Updated = later(cur.Updated, at)
	cur.Message = a.Message
	if SeverityRank(a.Severity) > SeverityRank(cur.Severity) {
		cur.Severity = a.Severity
	}
	if a.ExcursionID != 0 {
		cur.ExcursionID = a.ExcursionID
	}
	if a.Sensor != "" {
		cur.Sensor = a.Sensor
	}
	if a.Gateway != "" {
		cur.Gateway = a.Gateway
	}
	_, err = t.tx.ExecContext(ctx, `UPDATE alerts SET severity = ?, sensor = ?, gateway = ?, excursion_id = ?, message = ?,
	count = ?, last_seen = ?, updated = ? WHERE id = ?`,
		cur.Severity, cur.Sensor, cur.Gateway, nullID(cur.ExcursionID), cur.Message, cur.Count, micros(cur.LastSeen), micros(cur.Updated), id)
	if err != nil {
		return AlertEvent{}, fmt.Errorf("store: update %s alert %d: %w", a.Kind, id, err)
	}
	*a = cur
	return t.recordEvent(ctx, ActionUpdated, "", "", at, cur)
}

func (t *Tx) openAlert(ctx context.Context, a *Alert, subject string, at time.Time) (AlertEvent, error) {
	a.State, a.Count, a.FirstSeen, a.LastSeen, a.Updated = AlertOpen, 1, at, at, at
	a.Acknowledged, a.Resolved = nil, nil
	err := t.tx.QueryRowContext(ctx, `INSERT INTO alerts
(kind, severity, state, site, location, gateway, sensor, lot_id, lot_key, subject, excursion_id, message, count, created, last_seen, updated)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.Kind, a.Severity, a.State, a.Site, a.Location, a.Gateway, a.Sensor, nullID(a.LotID), a.Lot, subject,
		nullID(a.ExcursionID), a.Message, a.Count, micros(at), micros(at), micros(at)).Scan(&a.ID)
	if err != nil {
		return AlertEvent{}, fmt.Errorf("store: create %s alert: %w", a.Kind, err)
	}
	return t.recordEvent(ctx, ActionOpened, "", "", at, *a)
}

// alertLot completes the lot of an alert: its key from its id, or its id (when the lot
// is known) from its key.
func (t *Tx) alertLot(ctx context.Context, a *Alert) error {
	var err error
	switch {
	case a.LotID != 0 && a.Lot == "":
		err = t.tx.QueryRowContext(ctx, `SELECT key FROM lots WHERE id = ?`, a.LotID).Scan(&a.Lot)
	case a.LotID == 0 && a.Lot != "":
		err = t.tx.QueryRowContext(ctx, `SELECT id FROM lots WHERE key = ?`, a.Lot).Scan(&a.LotID)
		if errors.Is(err, sql.ErrNoRows) {
			err = nil // a lot the cloud has not seen (yet): the alert names it by key only
		}
	}
	if err != nil {
		return fmt.Errorf("store: lot of %s alert: %w", a.Kind, err)
	}
	return nil
}

// ResolveCondition resolves the unresolved alert of the condition c names (its kind,
// site, location, lot, and sensor or gateway as the dedupe key uses them), because
// the condition cleared; resolved is false when there was none.
func (t *Tx) ResolveCondition(ctx context.Context, c Alert, by, note string, at time.Time) (resolved bool, err error) {
	if err := t.alertLot(ctx, &c); err != nil {
		return false, err
	}
	var id int64
	err = t.tx.QueryRowContext(ctx, `SELECT id FROM alerts
WHERE kind = ? AND site = ? AND location = ? AND lot_key = ? AND subject = ? AND state <> 'resolved'`,
		c.Kind, c.Site, c.Location, c.Lot, alertSubject(&c)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: find %s alert: %w", c.Kind, err)
	}
	if _, _, err := t.transition(ctx, id, AlertResolved, by, note, at); err != nil {
		return false, err
	}
	return true, nil
}

// ResolveExcursionAlerts resolves the lot's unresolved excursion alerts at every
// location where none of its excursions is still open.
func (t *Tx) ResolveExcursionAlerts(ctx context.Context, lotID int64, by, note string, at time.Time) error {
	ids, err := t.alertIDs(ctx, `SELECT a.id FROM alerts a WHERE a.kind = 'excursion' AND a.lot_id = ? AND a.state <> 'resolved'
AND NOT EXISTS (SELECT 1 FROM excursions e WHERE e.lot_id = a.lot_id AND e.site = a.site AND e.location = a.location AND e.ended IS NULL)`, lotID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, _, err := t.transition(ctx, id, AlertResolved, by, note, at); err != nil {
			return err
		}
	}
	return nil
}

// holdAlert keeps the lot_on_hold alert in step with a lot's status change: raised when
// the lot goes on hold, resolved when it leaves hold (a disposition decided by QA).
func (t *Tx) holdAlert(ctx context.Context, lotID int64, key, site, location, from, to, reason, actor string, at time.Time) error {
	if to == StatusOnHold {
		a := Alert{Kind: KindLotOnHold, Severity: SeverityWarning, Site: site, Location: location, LotID: lotID, Lot: key,
			Message: fmt.Sprintf("Lot %s put on hold at %s by %s: %s", key, location, actor, reason)}
		_, err := t.RaiseAlert(ctx, &a, at)
		return err
	}
	if from != StatusOnHold {
		return nil
	}
	ids, err := t.alertIDs(ctx, `SELECT id FROM alerts WHERE kind = 'lot_on_hold' AND lot_key = ? AND state <> 'resolved'`, key)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, _, err := t.transition(ctx, id, AlertResolved, actor, fmt.Sprintf("lot %s: %s", strings.ReplaceAll(to, "_", " "), reason), at); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tx) alertIDs(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := t.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: find alerts: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: find alerts: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// transition moves alert id to state to (acknowledged or resolved) on behalf of by,
// and returns the event and the state it left.
func (t *Tx) transition(ctx context.Context, id int64, to, by, note string, at time.Time) (AlertEvent, string, error) {
	a, err := getAlert(ctx, t.tx, id)
	if err != nil {
		return AlertEvent{}, "", err
	}
	from := a.State
	if !slices.Contains(alertNext[from], to) {
		if len(alertNext[from]) == 0 {
			return AlertEvent{}, from, fmt.Errorf("store: alert %d is %s: %w (a resolved alert stays resolved)", id, from, ErrAlertTransition)
		}
		return AlertEvent{}, from, fmt.Errorf("store: alert %d is %s: %w (it can become %s, not %s)",
			id, from, ErrAlertTransition, strings.Join(alertNext[from], " or "), to)
	}
	at = fromMicros(micros(at))
	act := &AlertAction{At: at, By: by, Note: note}
	a.State, a.Updated = to, later(a.Updated, at)
	q, action := `UPDATE alerts SET state = ?, updated = ?, acked_at = ?, acked_by = ?, ack_note = ? WHERE id = ?`, ActionAcknowledged
	if to == AlertResolved {
		q, action = `UPDATE alerts SET state = ?, updated = ?, resolved_at = ?, resolved_by = ?, resolve_note = ? WHERE id = ?`, ActionResolved
		a.Resolved = act
	} else {
		a.Acknowledged = act
	}
	if _, err := t.tx.ExecContext(ctx, q, to, micros(a.Updated), micros(at), by, note, id); err != nil {
		return AlertEvent{}, from, fmt.Errorf("store: alert %d to %s: %w", id, to, err)
	}
	ev, err := t.recordEvent(ctx, action, by, note, at, a)
	return ev, from, err
}

// AcknowledgeAlert marks an open alert acknowledged by a person, with an optional note
// (also in the audit log). A resolved or already acknowledged alert is refused with
// ErrAlertTransition; an unknown one with ErrNotFound.
func (s *Store) AcknowledgeAlert(ctx context.Context, id int64, by, note string, at time.Time) (Alert, error) {
	return s.decideAlert(ctx, id, AlertAcknowledged, AuditAlertAcknowledge, by, note, at)
}

// ResolveAlert marks an open or acknowledged alert resolved by a person.
func (s *Store) ResolveAlert(ctx context.Context, id int64, by, note string, at time.Time) (Alert, error) {
	return s.decideAlert(ctx, id, AlertResolved, AuditAlertResolve, by, note, at)
}

func (s *Store) decideAlert(ctx context.Context, id int64, to, audit, by, note string, at time.Time) (Alert, error) {
	tx, err := s.Begin(ctx)
	if err != nil {
		return Alert{}, err
	}
	defer tx.Rollback()
	ev, from, err := tx.transition(ctx, id, to, by, note, at)
	if err != nil {
		return Alert{}, err
	}
	if err := appendAudit(ctx, tx.tx, &AuditEntry{At: at, Actor: by, Action: audit, Subject: fmt.Sprintf("alert:%d", id),
		Reason: note, Before: from, After: to}); err != nil {
		return Alert{}, err
	}
	if err := tx.Commit(); err != nil {
		return Alert{}, err
	}
	return ev.Alert, nil
}

// recordEvent writes one alert change: the event with the alert as it is now, and a
// queued delivery for every webhook that wants it, in the caller's transaction.
func (t *Tx) recordEvent(ctx context.Context, action, actor, note string, at time.Time, a Alert) (AlertEvent, error) {
	body, err := json.Marshal(a)
	if err != nil {
		return AlertEvent{}, fmt.Errorf("store: encode alert %d: %w", a.ID, err)
	}
	ev := AlertEvent{Action: action, At: at, Actor: actor, Note: note, Alert: a}
	err = t.tx.QueryRowContext(ctx, `INSERT INTO alert_events (alert_id, at, action, actor, note, alert) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		a.ID, micros(at), action, actor, note, string(body)).Scan(&ev.ID)
	if err != nil {
		return AlertEvent{}, fmt.Errorf("store: alert %d event: %w", a.ID, err)
	}
	if err := t.queueDeliveries(ctx, &ev); err != nil {
		return AlertEvent{}, err
	}
	t.events = append(t.events, ev)
	return ev, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }
