package api

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/lotsense/lotsense/cloud/alerts"
	"github.com/lotsense/lotsense/cloud/store"
)

// follow wires the env's hub to its store as the service does: every committed alert
// change is published.
func (e *env) follow() {
	ctx, cancel := context.WithCancel(context.Background())
	e.st.OnAlertEvents(e.hub.Wake)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.hub.Follow(ctx, e.st, alerts.FollowOptions{Logger: slog.New(slog.DiscardHandler)})
	}()
	e.t.Cleanup(func() { cancel(); <-done })
}

// conditions numbers the alerts raise makes, so each is a condition of its own.
var conditions atomic.Int64

// raise raises an alert (about lotID when not 0) at a location of its own, as ingest
// does, and returns the change.
func (e *env) raise(lotID int64, msg string) store.AlertEvent {
	e.t.Helper()
	a := store.Alert{Kind: store.KindExcursion, Severity: store.SeverityCritical, Site: "plant-1",
		Location: fmt.Sprintf("cold-room-%d", conditions.Add(1)), Sensor: "cr1-t1", LotID: lotID, Message: msg}
	var ev store.AlertEvent
	e.write(func(ctx context.Context, tx *store.Tx) (err error) {
		ev, err = tx.RaiseAlert(ctx, &a, t0.Add(time.Hour))
		return err
	})
	return ev
}
