package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/gateway/wire"
)

// events stores an event batch, each (outbox, seq) once; an event stored for the
// first time then acts: a sensor_offline raises an alert and sensor_online resolves
// it, a dock-door pass moves its lots (portalEvent).
func (b *txBatch) events(ctx context.Context, eb *wire.EventBatch) error {
	src, err := b.tx.Source(ctx, eb.Site, eb.Gateway, eb.Epoch, b.in.now())
	if err != nil {
		return err
	}
	for i := range eb.Events {
		e := &eb.Events[i]
		ok, err := b.tx.InsertEvent(ctx, src, eb.FirstSeq+uint64(i), e)
		if err != nil {
			return err
		}
		b.in.m.items.WithLabelValues("events", result(ok)).Inc()
		if !ok {
			continue
		}
		switch e.Type {
		case store.EventSensorOffline:
			err = b.sensorOffline(ctx, eb.Site, eb.Gateway, e)
		case store.EventSensorOnline:
			err = b.sensorOnline(ctx, eb.Site, e)
		case store.EventReceiving, store.EventShipping, store.EventPortalSeen, store.EventPutaway, store.EventPicking:
			err = b.portalEvent(ctx, eb.Site, src, eb.FirstSeq+uint64(i), e)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// alarms stores an alarm batch, each (outbox, seq) once; an alarm stored for the first
// time then acts (gatewayAlarm).
func (b *txBatch) alarms(ctx context.Context, ab *wire.AlarmBatch) error {
	src, err := b.tx.Source(ctx, ab.Site, ab.Gateway, ab.Epoch, b.in.now())
	if err != nil {
		return err
	}
	for i := range ab.Alarms {
		a := &ab.Alarms[i]
		ok, err := b.tx.InsertAlarm(ctx, src, ab.FirstSeq+uint64(i), a)
		if err != nil {
			return err
		}
		b.in.m.items.WithLabelValues("alarms", result(ok)).Inc()
		if !ok {
			continue
		}
		if a.Kind == store.KindOutboxThinned && a.State == "raised" {
			for _, r := range a.Seqs {
				if err := b.tx.DeclareGap(ctx, src, r.First, r.Last, "thinned"); err != nil {
					return err
				}
			}
		}
		if err := b.gatewayAlarm(ctx, ab.Site, ab.Gateway, a); err != nil {
			return err
		}
	}
	return nil
}

// status records a gateway's retained status; "offline" (its MQTT last will, sent by
// the broker when the gateway vanished) raises an alert, "online" resolves it.
func (b *txBatch) status(ctx context.Context, site, gateway string, msg Message) error {
	if len(msg.Payload) == 0 {
		return nil // a retained status being cleared
	}
	st, err := wire.DecodeStatus(msg.Payload)
	if err != nil {
		return reject(err)
	}
	if st.Site != site || st.Gateway != gateway {
		return &rejection{reason: "mismatch", err: fmt.Errorf(
			"ingest: status claims gateway %s/%s but was published on the topic of %s/%s", st.Site, st.Gateway, site, gateway)}
	}
	// The last will was composed when the gateway connected, so its time is old; the
	// order messages reach us in is the order that counts.
	st.Time = msg.Received
	prev, err := b.tx.SetGatewayStatus(ctx, st)
	if err != nil {
		return err
	}
	if st.State == wire.StateOnline {
		_, err := b.tx.ResolveCondition(ctx, store.Alert{Kind: store.KindGatewayOffline, Site: site, Gateway: gateway}, systemActor,
			fmt.Sprintf("gateway back online at %s (boot %s)", msg.Received.UTC().Format(time.RFC3339), st.Boot), msg.Received)
		return err
	}
	if st.State != wire.StateOffline || prev == wire.StateOffline {
		return nil // only a change to offline is news
	}
	a := store.Alert{
		Kind: store.KindGatewayOffline, Severity: store.SeverityWarning, Site: site, Gateway: gateway,
		Message: fmt.Sprintf("Gateway %s/%s went offline (boot %s)", site, gateway, st.Boot),
	}
	_, err = b.tx.RaiseAlert(ctx, &a, msg.Received)
	return err
}

func result(stored bool) string {
	if stored {
		return "stored"
	}
	return "duplicate"
}

// sensorOffline raises an alert for a sensor the gateway found silent: the lots at
// its location are no longer watched.
func (b *txBatch) sensorOffline(ctx context.Context, site, gateway string, e *wire.Event) error {
	sensor := e.Attrs["sensor"]
	a := store.Alert{
		Kind: store.KindSensorOffline, Severity: store.SeverityWarning, Site: site, Location: e.Location, Sensor: sensor,
		Gateway: gateway,
		Message: fmt.Sprintf("Sensor %s at %s gave no good reading since %s; %d lots there are not monitored",
			sensor, e.Location, e.Attrs["last_good"], len(e.Lots)),
	}
	_, err := b.tx.RaiseAlert(ctx, &a, b.in.now())
	return err
}

// sensorOnline resolves the sensor_offline alert of a sensor that reads again.
func (b *txBatch) sensorOnline(ctx context.Context, site string, e *wire.Event) error {
	sensor := e.Attrs["sensor"]
	_, err := b.tx.ResolveCondition(ctx, store.Alert{Kind: store.KindSensorOffline, Site: site, Location: e.Location, Sensor: sensor},
		systemActor, fmt.Sprintf("sensor %s back online at %s", sensor, e.Time.UTC().Format(time.RFC3339)), b.in.now())
	return err
}
