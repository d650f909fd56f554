package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/alerts"
	"github.com/lotsense/lotsense/cloud/store"
)

// streamWait bounds every wait for the stream; the events themselves arrive in
// milliseconds.
const streamWait = 5 * time.Second

// sseEvent is one Server-Sent Event, or a comment.
type sseEvent struct {
	id, event, data, comment, retry string
}

// sseStream reads a stream in a goroutine and hands over its events.
type sseStream struct {
	t      *testing.T
	res    *http.Response
	events chan sseEvent
	err    error // why the stream ended; read after events is closed
}

// stream opens /api/alerts/stream with query (e.g. "?since=3") and the Last-Event-ID
// header when lastID is not empty.
func (e *env) stream(query, lastID string) *sseStream {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+"/api/alerts/stream"+query, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := e.srv.Client().Do(e.authorize(req))
	if err != nil {
		e.t.Fatalf("open stream: %v", err)
	}
	e.t.Cleanup(func() { cancel(); res.Body.Close() })
	s := &sseStream{t: e.t, res: res, events: make(chan sseEvent, 64)}
	go s.read(res.Body)
	return s
}

func (s *sseStream) read(r io.Reader) {
	defer close(s.events)
	br := bufio.NewReader(r)
	var ev sseEvent
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			s.err = err
			return
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			if ev != (sseEvent{}) {
				s.events <- ev
			}
			ev = sseEvent{}
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "":
			ev.comment = value
		case "id":
			ev.id = value
		case "event":
			ev.event = value
		case "data":
			ev.data += value
		case "retry":
			ev.retry = value
		}
	}
}

// next returns the next event, failing the test when none comes in time.
func (s *sseStream) next() sseEvent {
	s.t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			s.t.Fatalf("stream ended: %v", s.err)
		}
		return ev
	case <-time.After(streamWait):
		s.t.Fatalf("no event within %v", streamWait)
	}
	panic("unreachable")
}

// hello reads the event that opens every stream.
func (s *sseStream) hello() {
	s.t.Helper()
	if ev := s.next(); ev.event != "hello" || ev.id != "" || ev.retry == "" {
		s.t.Fatalf("first event = %+v, want hello with retry and no id", ev)
	}
}

// nextAlert reads the next event, which must be the new alert of change want.
func (s *sseStream) nextAlert(want store.AlertEvent) store.Alert {
	s.t.Helper()
	ev := s.next()
	var a store.Alert
	if ev.event != "alert" {
		s.t.Fatalf("event = %+v, want alert %d", ev, want.Alert.ID)
	}
	if err := json.Unmarshal([]byte(ev.data), &a); err != nil {
		s.t.Fatalf("alert data %q: %v", ev.data, err)
	}
	if a.ID != want.Alert.ID || ev.id != strconv.FormatInt(want.ID, 10) {
		s.t.Fatalf("alert event id %s, alert %+v; want event %d of alert %d", ev.id, a, want.ID, want.Alert.ID)
	}
	return a
}

// wantEnd checks the server ends the response (cleanly) without sending alerts.
func (s *sseStream) wantEnd() {
	s.t.Helper()
	deadline := time.After(streamWait)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				if !errors.Is(s.err, io.EOF) {
					s.t.Fatalf("stream ended with %v, want EOF", s.err)
				}
				return
			}
			if ev.event == "alert" {
				s.t.Fatalf("unexpected alert %+v before the end", ev)
			}
		case <-deadline:
			s.t.Fatalf("stream still open after %v", streamWait)
		}
	}
}

func TestStreamLive(t *testing.T) {
	e := newEnv(t, Options{})
	old := e.raise(0, "stored before connecting")
	s := e.stream("", "")
	for k, want := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"} {
		if got := s.res.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	s.hello() // subscribed to the hub by now

	a := e.raise(e.lot("A1", "cold-room-1", 0), "A1 above 8 °C") // the hub follows the store
	got := s.nextAlert(a)
	if got.Message != a.Alert.Message || got.Lot != lotKey("A1") || got.Severity != store.SeverityCritical {
		t.Errorf("streamed %+v, want %+v", got, a.Alert)
	}
	if got.ID == old.Alert.ID {
		t.Error("the alert stored before connecting was replayed without a resume point")
	}
}

func TestStreamResume(t *testing.T) {
	e := newEnv(t, Options{})
	a1, a2, a3 := e.raise(0, "one"), e.raise(0, "two"), e.raise(0, "three")

	s := e.stream("", strconv.FormatInt(a1.ID, 10))
	s.hello()
	s.nextAlert(a2)
	s.nextAlert(a3)
	// a3 published after the replay (it was stored first) is not sent twice.
	e.hub.Publish(a3)
	a4 := e.raise(0, "four")
	s.nextAlert(a4)

	// ?since= works the same; Last-Event-ID wins over it (a reconnecting EventSource
	// keeps the URL of its first connection).
	q := e.stream("?since="+strconv.FormatInt(a2.ID, 10), "")
	q.hello()
	q.nextAlert(a3)
	q.nextAlert(a4)
	h := e.stream("?since="+strconv.FormatInt(a1.ID, 10), strconv.FormatInt(a3.ID, 10))
	h.hello()
	h.nextAlert(a4)

	// since=0 replays what is stored, oldest first.
	z := e.stream("?since=0", "")
	z.hello()
	for _, a := range []store.AlertEvent{a1, a2, a3, a4} {
		z.nextAlert(a)
	}
}

func TestStreamReplayPages(t *testing.T) {
	e := newEnv(t, Options{})
	var evs []store.AlertEvent
	e.write(func(ctx context.Context, tx *store.Tx) error {
		for i := range replayPage + 3 {
			a := store.Alert{Kind: "test", Severity: store.SeverityInfo, Site: "plant-1", Location: strconv.Itoa(i), Message: strconv.Itoa(i)}
			ev, err := tx.RaiseAlert(ctx, &a, t0)
			if err != nil {
				return err
			}
			evs = append(evs, ev)
		}
		return nil
	})
	s := e.stream("", strconv.FormatInt(evs[0].ID, 10))
	s.hello()
	for _, ev := range evs[1:] {
		s.nextAlert(ev)
	}
}

func TestStreamEndsWhenHubDropsSubscriber(t *testing.T) {
	e := newEnv(t, Options{Hub: alerts.NewHub(1)})
	s := e.stream("", "")
	s.hello()
	// Publish faster than the stream drains its one-slot buffer until the hub drops
	// it. Id 0 alerts are never sent, so the test reads no events meanwhile.
	deadline := time.Now().Add(streamWait)
	for e.hub.Subscribers() > 0 && time.Now().Before(deadline) {
		e.hub.Publish(store.AlertEvent{})
	}
	s.wantEnd()
}

func TestStreamHeartbeat(t *testing.T) {
	e := newEnv(t, Options{Heartbeat: 10 * time.Millisecond})
	s := e.stream("", "")
	s.hello()
	if ev := s.next(); ev.comment != "heartbeat" || ev.event != "" {
		t.Errorf("idle stream sent %+v, want a heartbeat comment", ev)
	}
}

func TestStreamEndsOnClose(t *testing.T) {
	e := newEnv(t, Options{})
	s := e.stream("", "")
	s.hello()
	if err := e.api.Close(); err != nil {
		t.Fatal(err)
	}
	s.wantEnd()
}

func TestStreamBadLastEventID(t *testing.T) {
	e := newEnv(t, Options{})
	req := httptest.NewRequest(http.MethodGet, "/api/alerts/stream", nil)
	req.Header.Set("Last-Event-ID", "-4")
	rec := httptest.NewRecorder()
	e.api.ServeHTTP(rec, e.authorize(req))
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "Last-Event-ID") {
		t.Errorf("got %d %s", rec.Code, rec.Body)
	}
}

func TestStreamWithoutHub(t *testing.T) {
	e := newEnv(t, Options{})
	api, err := New(Options{Store: e.st, Auth: e.auth})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, e.authorize(httptest.NewRequest(http.MethodGet, "/api/alerts/stream", nil)))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("without a hub: %d %s", rec.Code, rec.Body)
	}
}
