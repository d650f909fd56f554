package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
)

// replayPage is how many stored alert events one replay query reads.
const replayPage = 500

// streamRetry is the reconnection delay the stream asks browsers to use.
const streamRetry = 2 * time.Second

// streamAlerts answers GET /api/alerts/stream with Server-Sent Events: one per alert
// change, its id the change's (store.AlertEvent) id, its data the alert as it is after
// the change; event "alert" for a new alert, "alert_update" for every later change (seen
// again, acknowledged, resolved).
//
// It subscribes to the hub first, then replays the stored changes after the resume
// point (the Last-Event-ID header, else ?since=), then relays live ones, skipping ids
// it has already sent, so a change stored and published around the moment of
// connecting is sent exactly once. With no resume point only live changes are sent.
// When the hub drops the subscriber for falling behind, the response ends and the
// browser's EventSource reconnects with Last-Event-ID: the store fills the gap. A
// change's id is never below its alert's id, so ?since=<highest alert id listed>
// misses nothing.
func (s *Server) streamAlerts(w http.ResponseWriter, r *http.Request) {
	if s.hub == nil {
		writeError(w, http.StatusServiceUnavailable, "live alerts are not configured")
		return
	}
	since, resume, err := resumePoint(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ch, unsubscribe := s.hub.Subscribe()
	defer unsubscribe()

	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	ev := &eventWriter{w: w, rc: rc}
	if err := ev.hello(); err != nil {
		return
	}
	ctx := r.Context()
	last := since
	if resume {
		if last, err = s.replay(ctx, ev, since); err != nil {
			s.log.LogAttrs(ctx, slog.LevelDebug, "alert stream: replay ended", slog.Any("err", err))
			return
		}
	}
	s.relay(ctx, ev, ch, last)
}

// resumePoint reads where a stream resumes: Last-Event-ID, else ?since=.
func resumePoint(r *http.Request) (id int64, ok bool, err error) {
	name, raw := "Last-Event-ID header", strings.TrimSpace(r.Header.Get("Last-Event-ID"))
	if raw == "" {
		name, raw = `query parameter "since"`, r.URL.Query().Get("since")
	}
	if raw == "" {
		return 0, false, nil
	}
	id, err = strconv.ParseInt(raw, 10, 64)
	if err != nil || id < 0 {
		return 0, false, badRequestf("%s: want a non-negative alert event id, got %q", name, raw)
	}
	return id, true, nil
}

// replay sends the stored alert changes with ids above after, oldest first, and
// returns the last id sent. From 0 it sends the newest replayPage changes only.
func (s *Server) replay(ctx context.Context, ev *eventWriter, after int64) (int64, error) {
	if after == 0 {
		list, err := s.store.LatestAlertEvents(ctx, replayPage)
		if err != nil {
			return after, fmt.Errorf("replay alerts: %w", err)
		}
		return ev.alerts(list, after)
	}
	for {
		list, err := s.store.AlertEvents(ctx, after, replayPage)
		if err != nil {
			return after, fmt.Errorf("replay alerts after %d: %w", after, err)
		}
		if after, err = ev.alerts(list, after); err != nil || len(list) < replayPage {
			return after, err
		}
	}
}

// relay sends live alert changes newer than last until the client leaves or the hub
// drops the subscription, with a heartbeat comment when idle.
func (s *Server) relay(ctx context.Context, ev *eventWriter, ch <-chan store.AlertEvent, last int64) {
	tick := time.NewTicker(s.heartbeat)
	defer tick.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case <-s.done:
			return
		case a, ok := <-ch:
			if !ok {
				s.log.LogAttrs(ctx, slog.LevelDebug, "alert stream: dropped by the hub", slog.Int64("last_id", last))
				return
			}
			if a.ID <= last {
				continue
			}
			last, err = a.ID, ev.alert(a)
		case <-tick.C:
			err = ev.comment("heartbeat")
		}
		if err != nil {
			return
		}
	}
}

// eventWriter writes Server-Sent Events and flushes each one.
type eventWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

func (e *eventWriter) send(format string, args ...any) error {
	if _, err := fmt.Fprintf(e.w, format, args...); err != nil {
		return fmt.Errorf("write event: %w", err)
	}
	if err := e.rc.Flush(); err != nil {
		return fmt.Errorf("flush event: %w", err)
	}
	return nil
}

// hello opens the stream: the reconnection delay and an event without an id (so it
// does not move the browser's Last-Event-ID).
func (e *eventWriter) hello() error {
	return e.send("retry: %d\nevent: hello\ndata: {}\n\n", streamRetry.Milliseconds())
}

func (e *eventWriter) comment(text string) error { return e.send(": %s\n\n", text) }

// alert sends one change: event "alert" for a new alert, "alert_update" otherwise.
func (e *eventWriter) alert(c store.AlertEvent) error {
	data, err := json.Marshal(c.Alert)
	if err != nil {
		return fmt.Errorf("encode alert %d: %w", c.Alert.ID, err)
	}
	typ := "alert_update"
	if c.Action == store.ActionOpened {
		typ = "alert"
	}
	return e.send("id: %d\nevent: %s\ndata: %s\n\n", c.ID, typ, data)
}

// alerts sends list in order, skipping ids not above last, and returns the last id sent.
func (e *eventWriter) alerts(list []store.AlertEvent, last int64) (int64, error) {
	for _, a := range list {
		if a.ID <= last {
			continue
		}
		if err := e.alert(a); err != nil {
			return last, err
		}
		last = a.ID
	}
	return last, nil
}
