package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/gateway/wire"
	"github.com/lotsense/lotsense/rules"
)

// rulesActor is who puts lots on hold for their excursions.
const rulesActor = "system:rules"

// verdicts records what a lot's engine changed: a confirmed excursion is recorded with
// its evidence, puts the lot on hold (critical ones; see README.md) and raises an
// alert; an update updates the record; a closed excursion ends it (the hold stays
// until QA decides) and resolves its alert once nothing is open where it was raised;
// a retracted one (or one no longer confirmed) is marked retracted and its alert
// updated. Then every record the changes touched, every open record and — after late
// readings (span) — every record overlapping them takes the engine's figures as they
// now stand, with the locations and sensors involved gathered again.
func (b *txBatch) verdicts(ctx context.Context, l *lot, changes []rules.ExcursionChange, span *[2]int64) error {
	touched := map[string]bool{}
	for _, c := range changes {
		x := c.Excursion
		if c.Type == rules.Opened && !x.Confirmed() {
			continue
		}
		rec, known, err := b.record(ctx, l, x.ID)
		if err != nil {
			return err
		}
		touched[x.ID] = true
		switch {
		case c.Type == rules.Retracted:
			if known && rec.Retracted == nil {
				err = b.retract(ctx, l, rec, "late readings showed it did not happen as reported")
			}
		case x.Confirmed() && (!known || rec.Retracted != nil):
			err = b.confirmed(ctx, l, x, rec)
		case x.Confirmed():
			err = b.update(ctx, l, x, rec, nil)
		case known && rec.Retracted == nil:
			err = b.retract(ctx, l, rec, "late readings showed it was not confirmed")
		}
		if err != nil {
			return err
		}
	}
	if len(touched) == 0 && len(l.open) == 0 && span == nil {
		return nil
	}
	for _, x := range l.eng.Excursions() {
		o := l.open[x.ID]
		overlaps := span != nil && x.Confirmed() && !x.Start.After(time.Unix(0, span[1])) &&
			(!x.Closed() || !x.ClosedAt.Before(time.Unix(0, span[0])))
		if o == nil && !touched[x.ID] && !overlaps {
			continue
		}
		rec, known, err := b.record(ctx, l, x.ID)
		if err != nil {
			return err
		}
		if !known || rec.Retracted != nil || !x.Confirmed() {
			continue
		}
		var through *time.Time // gather from where the last gathering ended: in order only
		if o != nil && span == nil && !touched[x.ID] {
			through = &o.through
		}
		if err := b.update(ctx, l, x, rec, through); err != nil {
			return err
		}
	}
	return nil
}

// record returns the lot's record of engine excursion id, if any.
func (b *txBatch) record(ctx context.Context, l *lot, id string) (*store.Excursion, bool, error) {
	if o := l.open[id]; o != nil {
		return &o.exc, true, nil
	}
	e, ok, err := b.tx.ExcursionByRef(ctx, l.ref.id, id)
	return &e, ok, err
}

// confirmed records a confirmed excursion (or reinstates a retracted record), puts the
// lot on hold when it is critical, and raises the alert.
func (b *txBatch) confirmed(ctx context.Context, l *lot, x rules.Excursion, rec *store.Excursion) error {
	e := store.Excursion{ID: rec.ID, LotID: l.ref.id, Lot: l.ref.key}
	fill(&e, l.plan, x)
	delete(l.open, x.ID)
	if err := b.involve(ctx, l, x, &e, nil); err != nil {
		return err
	}
	if err := b.tx.SaveExcursion(ctx, &e); err != nil {
		return err
	}
	b.keepOpen(l, x, e)
	b.in.m.excursions.Inc()
	what := describe(l.plan, x, e)
	msg := "Excursion: " + what
	if x.Severity == rules.Critical {
		held, err := b.tx.SetLotStatus(ctx, l.ref.id, store.StatusReleased, store.StatusOnHold,
			fmt.Sprintf("excursion %d: %s", e.ID, what), rulesActor, x.ConfirmedAt)
		if err != nil {
			return err
		}
		if held {
			b.in.m.holds.Inc()
			msg += "; lot put on hold"
		}
	}
	a := store.Alert{Kind: store.KindExcursion, Severity: string(x.Severity), Site: e.Site, Location: e.Location,
		Sensor: sensorName(e.Sensor), LotID: l.ref.id, Lot: l.ref.key, ExcursionID: e.ID, Message: clip(msg)}
	_, err := b.tx.RaiseAlert(ctx, &a, b.in.now())
	return err
}

// update writes the engine's figures of a recorded excursion (through: gather the
// locations and sensors from there on, nil: from its start); one that closed resolves
// its alert where nothing else is open, one reopened raises it again.
func (b *txBatch) update(ctx context.Context, l *lot, x rules.Excursion, rec *store.Excursion, through *time.Time) error {
	e := *rec
	wasEnded := e.Ended != nil
	fill(&e, l.plan, x)
	if err := b.involve(ctx, l, x, &e, through); err != nil {
		return err
	}
	if equalRecords(&e, rec) {
		if o := l.open[x.ID]; o != nil {
			o.through = l.eng.Latest()
		}
		return nil
	}
	if err := b.tx.SaveExcursion(ctx, &e); err != nil {
		return err
	}
	delete(l.open, x.ID)
	b.keepOpen(l, x, e)
	switch {
	case !wasEnded && e.Ended != nil:
		return b.tx.ResolveExcursionAlerts(ctx, l.ref.id, systemActor, clip(fmt.Sprintf(
			"excursion ended at %s (excursion %d, rule %s, closed at %s); the lot stays on hold until QA decides",
			stamp(*e.Ended), e.ID, e.Rule, stamp(*e.Closed))), b.in.now())
	case wasEnded && e.Ended == nil:
		a := store.Alert{Kind: store.KindExcursion, Severity: e.Severity, Site: e.Site, Location: e.Location,
			Sensor: sensorName(e.Sensor), LotID: l.ref.id, Lot: l.ref.key, ExcursionID: e.ID,
			Message: clip("Excursion reopened by late readings: " + describe(l.plan, x, e))}
		_, err := b.tx.RaiseAlert(ctx, &a, b.in.now())
		return err
	}
	return nil
}

// retract marks a record retracted (kept for the audit), updates its alert with the
// news and resolves it where nothing else is open. The hold stays: QA decides.
func (b *txBatch) retract(ctx context.Context, l *lot, rec *store.Excursion, why string) error {
	e := *rec
	now := b.in.now().UTC()
	e.Retracted, e.RetractNote = &now, why
	if e.Ended == nil {
		end := l.eng.Latest()
		e.Ended = &end // no longer open
	}
	if err := b.tx.SaveExcursion(ctx, &e); err != nil {
		return err
	}
	delete(l.open, e.Ref)
	b.in.m.retracted.Inc()
	msg := fmt.Sprintf("Excursion %d (rule %s, since %s) retracted: %s", e.ID, e.Rule, stamp(e.Began), why)
	a := store.Alert{Kind: store.KindExcursion, Severity: store.SeverityInfo, Site: e.Site, Location: e.Location,
		Sensor: sensorName(e.Sensor), LotID: l.ref.id, Lot: l.ref.key, ExcursionID: e.ID, Message: clip(msg)}
	if _, err := b.tx.RaiseAlert(ctx, &a, b.in.now()); err != nil {
		return err
	}
	return b.tx.ResolveExcursionAlerts(ctx, l.ref.id, systemActor, clip(msg+"; the lot's status is QA's decision"), b.in.now())
}

// keepOpen remembers a record while it is open (confirmed, not ended, not retracted).
func (b *txBatch) keepOpen(l *lot, x rules.Excursion, e store.Excursion) {
	if e.Ended == nil && e.Retracted == nil {
		l.open[x.ID] = &openRecord{exc: e, through: l.eng.Latest()}
	}
}

// fill copies the engine's figures of an excursion into its record.
func fill(e *store.Excursion, pl *plan, x rules.Excursion) {
	r := pl.rules[x.Rule]
	e.Ref, e.Profile, e.Rule, e.Kind, e.Severity = x.ID, pl.name, x.Rule, string(x.Kind), string(x.Severity)
	e.Began, e.Detected, e.Peak, e.Limit = x.Start, x.ConfirmedAt, x.Peak, x.Limit
	e.Ended, e.Closed = nil, nil
	if x.Closed() {
		end, closed := x.End, x.ClosedAt
		e.Ended, e.Closed = &end, &closed
	}
	switch x.Kind {
	case rules.KindCumulativeHigh, rules.KindCumulativeLow:
		e.DelaySeconds = r.Allowance.D().Seconds()
	case rules.KindOffline, rules.KindDoorOpen:
		e.DelaySeconds = r.After.D().Seconds()
	default:
		e.DelaySeconds = r.Delay.D().Seconds()
	}
	e.BeyondSeconds, e.UnknownSeconds = x.Beyond.D().Seconds(), x.Unknown.D().Seconds()
	e.MKT = nil
	if x.Kind == rules.KindMKT {
		m := x.MKT
		e.MKT = &m
	}
	e.Retracted, e.RetractNote = nil, ""
}

// involve gathers the locations and sensors whose readings of the lot were beyond the
// limit during the excursion (an mkt rule's: in its window before too; all readings of
// its quantity for kinds without a limit on values), from the start or, for an open record judged in order, from where the
// last gathering ended. Gathering from the start, it also finds where the excursion
// was confirmed: the worst reading of the staleness window before it (the lot's last
// known place when there is none).
func (b *txBatch) involve(ctx context.Context, l *lot, x rules.Excursion, e *store.Excursion, through *time.Time) error {
	q, low := baseQuantity(x.Quantity)
	if through == nil {
		where, ok, err := b.tx.LotReadingAt(ctx, l.ref.id, q, x.ConfirmedAt.Add(-b.in.stale), x.ConfirmedAt, !low)
		if err != nil {
			return err
		}
		if !ok {
			where.Site, where.Location, err = b.tx.LotPlace(ctx, l.ref.id)
			if err != nil {
				return err
			}
		}
		e.Site, e.Location, e.Sensor = where.Site, where.Location, where.Sensor
	}
	sel := store.Above
	switch {
	case x.Kind == rules.KindRate || x.Kind == rules.KindOffline || x.Kind == rules.KindDoorOpen || x.Kind == rules.KindBadData:
		sel = store.AnyValue
	case low:
		sel = store.Below
	}
	from, to := x.Start, l.eng.Latest()
	if x.Closed() {
		to = x.ClosedAt
	}
	if x.Kind == rules.KindMKT { // the readings that raised the mean: those of its window
		w := l.plan.rules[x.Rule].Window.D()
		if w == 0 {
			w = b.in.horizon
		}
		from = from.Add(-w)
	}
	if through != nil && !through.Before(from) {
		from = through.Add(time.Microsecond)
	} else {
		e.Locations, e.Sensors = nil, nil
	}
	if from.After(to) {
		return nil
	}
	srcs, err := b.tx.LotReadingSources(ctx, l.ref.id, q, from, to, sel, x.Limit)
	if err != nil {
		return err
	}
	for _, s := range srcs {
		e.Locations = appendNew(e.Locations, s.Location)
		e.Sensors = appendNew(e.Sensors, s.Sensor)
	}
	return nil
}

func appendNew(list []string, s string) []string {
	for _, v := range list {
		if v == s {
			return list
		}
	}
	return append(list, s)
}

func equalRecords(a, b *store.Excursion) bool {
	same := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	sameF := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.Peak == b.Peak && a.BeyondSeconds == b.BeyondSeconds && a.UnknownSeconds == b.UnknownSeconds &&
		a.Began.Equal(b.Began) && a.Detected.Equal(b.Detected) && same(a.Ended, b.Ended) && same(a.Closed, b.Closed) &&
		same(a.Retracted, b.Retracted) && sameF(a.MKT, b.MKT) && fmt.Sprint(a.Locations) == fmt.Sprint(b.Locations) &&
		fmt.Sprint(a.Sensors) == fmt.Sprint(b.Sensors) && a.Severity == b.Severity && a.Site == b.Site &&
		a.Location == b.Location && a.Sensor == b.Sensor
}

// sensorName is the sensor part of "<gateway>/<sensor>".
func sensorName(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return s[i+1:]
		}
	}
	return s
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z07:00") }

// describe says what an excursion is, with its figures, for hold reasons and alerts.
func describe(pl *plan, x rules.Excursion, e store.Excursion) string {
	r := pl.rules[x.Rule]
	q, _ := baseQuantity(x.Quantity)
	unit := unitOf(q)
	where := fmt.Sprintf("at %s (sensor %s)", e.Location, e.Sensor)
	if len(e.Locations) > 1 {
		where += fmt.Sprintf(", across %v", e.Locations)
	}
	beyond := rules.Duration(x.Beyond.D().Round(time.Second))
	var what string
	switch x.Kind {
	case rules.KindHigh, rules.KindLow:
		what = fmt.Sprintf("%s %s %g%s for %s or more: since %s, confirmed %s, peak %.1f%s, %s beyond",
			q, aboveBelow(x.Kind == rules.KindLow), x.Limit, unit, r.Delay, stamp(x.Start), stamp(x.ConfirmedAt), x.Peak, unit, beyond)
	case rules.KindCumulativeHigh, rules.KindCumulativeLow:
		what = fmt.Sprintf("%s %s %g%s for %s in all, more than the allowance of %s: first beyond %s, confirmed %s, peak %.1f%s",
			q, aboveBelow(x.Kind == rules.KindCumulativeLow), x.Limit, unit, beyond, r.Allowance, stamp(x.Start), stamp(x.ConfirmedAt), x.Peak, unit)
	case rules.KindMKT:
		what = fmt.Sprintf("mean kinetic temperature %.2f%s above %g%s (window %s): since %s, confirmed %s, peak %.2f%s",
			x.MKT, unit, x.Limit, unit, windowName(r.Window), stamp(x.Start), stamp(x.ConfirmedAt), x.Peak, unit)
	case rules.KindRate:
		what = fmt.Sprintf("%s changing faster than %g%s/min (steepest %.2f%s/min): since %s, confirmed %s",
			q, x.Limit, unit, x.Peak, unit, stamp(x.Start), stamp(x.ConfirmedAt))
	case rules.KindOffline:
		what = fmt.Sprintf("no good %s reading for more than %s since %s", q, r.After, stamp(x.Start))
	case rules.KindDoorOpen:
		what = fmt.Sprintf("door open for %s or more since %s", r.After, stamp(x.Start))
	case rules.KindBadData:
		what = fmt.Sprintf("%s readings bad since %s (no sensor had a good value)", q, stamp(x.Start))
	default:
		what = fmt.Sprintf("%s since %s", x.Kind, stamp(x.Start))
	}
	if x.Unknown > 0 {
		what += fmt.Sprintf(", %s unknown (data gaps)", rules.Duration(x.Unknown.D().Round(time.Second)))
	}
	return fmt.Sprintf("rule %s (%s, profile %s): %s %s", x.Rule, x.Kind, pl.name, what, where)
}

func aboveBelow(low bool) string {
	if low {
		return "below"
	}
	return "above"
}

func windowName(w rules.Duration) string {
	if w == 0 {
		return "the lot's life"
	}
	return w.String()
}

func unitOf(q wire.Quantity) string {
	switch q.Unit() {
	case "Cel":
		return " °C"
	case "%RH":
		return " %RH"
	}
	return ""
}
