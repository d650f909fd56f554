package ingest

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/gateway/wire"
)

// systemActor is who resolves an alert whose condition cleared by itself.
const systemActor = "system:ingest"

// maxMessage bounds the text an alert takes from a gateway (an outbox_thinned alarm
// lists every thinned range).
const maxMessage = 1000

// gatewayAlarm turns an alarm a gateway raised into an alert, or resolves the alert
// when the gateway cleared the alarm:
//
//	outbox_thinned   warning: the outbox reached its disk budget and thinned readings
//	outbox_refusing  critical: it refuses new readings, which are lost
//	held_lot_shipped critical, one alert per lot: a lot on hold left through a door;
//	                 never cleared by the gateway, resolved by people
//
// Other alarms (the edge's own excursion alarm: the cloud judges excursions itself)
// are only stored.
func (b *txBatch) gatewayAlarm(ctx context.Context, site, gateway string, a *wire.Alarm) error {
	switch a.Kind {
	case store.KindOutboxThinned, store.KindOutboxRefusing:
		if a.State == "cleared" {
			_, err := b.tx.ResolveCondition(ctx, store.Alert{Kind: a.Kind, Site: site, Gateway: gateway}, systemActor,
				clip("gateway cleared the alarm: "+a.Message), b.in.now())
			return err
		}
		floor := store.SeverityWarning
		if a.Kind == store.KindOutboxRefusing {
			floor = store.SeverityCritical
		}
		al := store.Alert{Kind: a.Kind, Severity: atLeast(a.Severity, floor), Site: site, Location: a.Location, Gateway: gateway,
			Message: clip(fmt.Sprintf("Gateway %s/%s: %s", site, gateway, a.Message))}
		_, err := b.tx.RaiseAlert(ctx, &al, b.in.now())
		return err
	case store.KindHeldLotShipped:
		if a.State != "raised" {
			return nil
		}
		lots := a.Lots
		if len(lots) == 0 {
			lots = []string{""} // the gateway did not say which: one alert for the door
		}
		for _, lot := range lots {
			what := "A lot on hold"
			if lot != "" {
				what = "Lot " + lot + " (on hold)"
			}
			al := store.Alert{Kind: store.KindHeldLotShipped, Severity: store.SeverityCritical, Site: site, Location: a.Location,
				Gateway: gateway, Lot: lot, Message: clip(fmt.Sprintf("%s left through %s at %s (gateway %s): %s",
					what, a.Location, a.Time.UTC().Format(time.RFC3339), gateway, a.Message))}
			if _, err := b.tx.RaiseAlert(ctx, &al, b.in.now()); err != nil {
				return err
			}
		}
	}
	return nil
}

// atLeast returns severity s, raised to floor when lower or unknown.
func atLeast(s, floor string) string {
	if store.SeverityRank(s) < store.SeverityRank(floor) {
		return floor
	}
	return s
}

// clip shortens s to at most maxMessage bytes, on a character boundary.
func clip(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
