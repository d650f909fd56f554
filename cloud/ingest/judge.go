package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/gateway/wire"
	"github.com/lotsense/lotsense/rules"
)

// ruleName identifies the high-limit rule in stored state and excursions.
const ruleName = "high_limit"

type seriesKey struct {
	lot    int64
	sensor string
}

// judge holds the rule state of the series one transaction touches: loaded from the
// store on first use, saved with the transaction, so a restart continues a running delay.
type judge struct {
	rule   rules.HighLimit
	states map[seriesKey]*rules.HighLimitState
}

func newJudge(r rules.HighLimit) *judge {
	return &judge{rule: r, states: map[seriesKey]*rules.HighLimitState{}}
}

func (j *judge) state(ctx context.Context, tx *store.Tx, k seriesKey) (*rules.HighLimitState, error) {
	if s, ok := j.states[k]; ok {
		return s, nil
	}
	s := &rules.HighLimitState{}
	raw, ok, err := tx.RuleState(ctx, k.lot, k.sensor, ruleName)
	if err != nil {
		return nil, err
	}
	if ok {
		if err := json.Unmarshal(raw, s); err != nil {
			return nil, fmt.Errorf("rule state of lot %d sensor %s is corrupt: %w", k.lot, k.sensor, err)
		}
	}
	j.states[k] = s
	return s, nil
}

func (j *judge) save(ctx context.Context, tx *store.Tx) error {
	for k, s := range j.states {
		raw, err := json.Marshal(s)
		if err != nil {
			return err
		}
		if err := tx.SaveRuleState(ctx, k.lot, k.sensor, ruleName, raw); err != nil {
			return err
		}
	}
	return nil
}

// judgeReading applies one new temperature reading to one lot's series and acts on
// what changed: an excursion that starts puts the lot on hold and raises an alert.
func (b *txBatch) judgeReading(ctx context.Context, site, lotKey string, lotID int64, r *wire.Reading) error {
	k := seriesKey{lot: lotID, sensor: r.Sensor}
	s, err := b.judge.state(ctx, b.tx, k)
	if err != nil {
		return err
	}
	var ev rules.Event
	*s, ev = b.judge.rule.Step(*s, rules.Sample{Time: r.Time, Value: r.Value, Good: r.Quality == wire.Good})
	switch ev.Change {
	case rules.Started:
		return b.excursionStarted(ctx, site, lotKey, lotID, r, ev)
	case rules.Ended:
		if err := b.tx.EndExcursion(ctx, lotID, r.Sensor, ruleName, ev.Began, ev.At, ev.Peak); err != nil {
			return err
		}
		// The alert resolves itself once no excursion of the lot is open where it was
		// raised; the lot stays on hold until QA decides.
		return b.tx.ResolveExcursionAlerts(ctx, lotID, systemActor, fmt.Sprintf(
			"excursion ended at %s (sensor %s back at or below %.1f °C, peak %.1f °C); the lot stays on hold until QA decides",
			ev.At.Format(time.RFC3339), r.Sensor, b.judge.rule.Limit, ev.Peak), b.in.now())
	case rules.Late:
		b.in.m.items.WithLabelValues("readings", "late").Inc()
	}
	return nil
}

func (b *txBatch) excursionStarted(ctx context.Context, site, lotKey string, lotID int64, r *wire.Reading, ev rules.Event) error {
	rule := b.judge.rule
	exc := store.Excursion{
		LotID: lotID, Lot: lotKey, Rule: ruleName, Site: site, Location: r.Location, Sensor: r.Sensor,
		Began: ev.Began, Detected: ev.At, Peak: ev.Peak, Limit: rule.Limit, DelaySeconds: rule.Delay.Seconds(),
	}
	if _, err := b.tx.CreateExcursion(ctx, &exc); err != nil {
		return err
	}
	b.in.m.excursions.Inc()
	what := fmt.Sprintf("temperature above %.1f °C for more than %s at %s (sensor %s, since %s, peak %.1f °C)",
		rule.Limit, rule.Delay, r.Location, r.Sensor, ev.Began.Format("2006-01-02 15:04:05Z07:00"), ev.Peak)
	held, err := b.tx.SetLotStatus(ctx, lotID, store.StatusReleased, store.StatusOnHold,
		fmt.Sprintf("excursion %d: %s", exc.ID, what), "rules", ev.At)
	if err != nil {
		return err
	}
	msg := "Excursion: " + what
	if held {
		b.in.m.holds.Inc()
		msg += "; lot put on hold"
	}
	a := store.Alert{
		Kind: store.KindExcursion, Severity: store.SeverityCritical, Site: site, Location: r.Location, Sensor: r.Sensor,
		LotID: lotID, Lot: lotKey, ExcursionID: exc.ID, Message: msg,
	}
	_, err = b.tx.RaiseAlert(ctx, &a, b.in.now())
	return err
}
