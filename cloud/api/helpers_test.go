package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/lotsense/lotsense/cloud/alerts"
	"github.com/lotsense/lotsense/cloud/auth"
	"github.com/lotsense/lotsense/cloud/ingest"
	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/gateway/wire"
	"github.com/lotsense/lotsense/rules"
)

// t0 is the fixtures' clock: a fixed instant, so nothing depends on the time of the run.
var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

const testGTIN = "09506000134352"

func lotKey(lot string) string { return "(01)" + testGTIN + "(10)" + lot }

// env is a Server over a real SQLite store in a temporary directory, behind a real
// HTTP server. Requests made through its helpers (get, do) carry the API token of
// the user "root", an admin.
type env struct {
	t     *testing.T
	st    *store.Store
	hub   *alerts.Hub
	auth  *auth.Service
	api   *Server
	srv   *httptest.Server
	token string // root's full-scope API token
}

// testPassword is the password of every user the tests add.
const testPassword = "cold chain 2-8 °C"

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "lotsense.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	e := &env{t: t, st: st, hub: alerts.NewHub(16)}
	if e.auth, err = auth.New(auth.Options{Store: st, BcryptCost: bcrypt.MinCost}); err != nil {
		t.Fatal(err)
	}
	opts.Store = st
	if opts.Auth == nil {
		opts.Auth = e.auth
	}
	e.auth = opts.Auth
	if opts.Hub == nil {
		opts.Hub = e.hub
	}
	e.hub = opts.Hub
	e.follow() // alert changes reach the hub as in the service
	if e.api, err = New(opts); err != nil {
		t.Fatalf("New: %v", err)
	}
	e.srv = httptest.NewServer(e.api)
	t.Cleanup(e.srv.Close)
	t.Cleanup(func() { _ = e.api.Close() }) // runs first: ends streams so srv.Close does not wait
	e.user("root", auth.Admin)
	e.token = e.newToken("root", auth.ScopeFull)
	return e
}

// user adds a user with testPassword.
func (e *env) user(name string, role auth.Role) {
	e.t.Helper()
	if _, err := e.auth.AddUser(context.Background(), "test", name, role, testPassword); err != nil {
		e.t.Fatalf("add user %s: %v", name, err)
	}
}

// newToken adds an API token for user and returns its secret.
func (e *env) newToken(user string, scope auth.Scope) string {
	e.t.Helper()
	_, secret, err := e.auth.AddToken(context.Background(), "test", user, "test", scope)
	if err != nil {
		e.t.Fatalf("add token for %s: %v", user, err)
	}
	return secret
}

// authorize makes req act as root, through root's API token.
func (e *env) authorize(req *http.Request) *http.Request {
	req.Header.Set("Authorization", "Bearer "+e.token)
	return req
}

// do sends a request as root (body, when not nil, as JSON) and returns the response
// with its body read.
func (e *env) do(method, path string, body any) (*http.Response, []byte) {
	e.t.Helper()
	return e.doAs(e.token, method, path, body)
}

// doAs is do with another API token ("" for none).
func (e *env) doAs(token, method, path string, body any) (*http.Response, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return res, b
}

// write runs fn in one store transaction and commits it.
func (e *env) write(fn func(ctx context.Context, tx *store.Tx) error) {
	e.t.Helper()
	ctx := context.Background()
	tx, err := e.st.Begin(ctx)
	if err != nil {
		e.t.Fatalf("begin: %v", err)
	}
	defer tx.Rollback()
	if err := fn(ctx, tx); err != nil {
		e.t.Fatalf("write fixtures: %v", err)
	}
	if err := tx.Commit(); err != nil {
		e.t.Fatalf("commit: %v", err)
	}
}

// lot creates (or touches) the lot with code lot, seen at location at t0+seen.
func (e *env) lot(lot, location string, seen time.Duration) int64 {
	e.t.Helper()
	var id int64
	e.write(func(ctx context.Context, tx *store.Tx) (err error) {
		id, err = tx.Lot(ctx, lotKey(lot), testGTIN, lot, "plant-1", location, t0.Add(seen))
		return err
	})
	return id
}

// events sends gateway gw-1's events, numbered from first, through the real ingest, as
// they would arrive over MQTT.
func (e *env) events(first uint64, evs ...wire.Event) {
	e.t.Helper()
	in, err := ingest.New(ingest.Options{Store: e.st, Rule: rules.HighLimit{Limit: 8, Delay: 30 * time.Minute},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		e.t.Fatal(err)
	}
	p, err := json.Marshal(wire.EventBatch{V: wire.Version,
		Header: wire.Header{Site: "plant-1", Gateway: "gw-1", Boot: "b1", Epoch: "epoch-1", FirstSeq: first}, Events: evs})
	if err != nil {
		e.t.Fatal(err)
	}
	msg := ingest.Message{Topic: wire.Topic("plant-1", "gw-1", wire.KindEvents), Payload: p, Received: t0}
	if err := in.Process(context.Background(), []ingest.Message{msg}); err != nil {
		e.t.Fatalf("ingest events: %v", err)
	}
}

// portal returns a dock-door event of type typ at door, t0+at, for the lots of codes.
func portal(typ, door, inside string, at time.Duration, tags int, codes ...string) wire.Event {
	dir := map[string]string{store.EventReceiving: "in", store.EventShipping: "out"}[typ]
	ev := wire.Event{Time: t0.Add(at), Synced: true, Type: typ, Location: door, Direction: dir,
		Attrs: map[string]string{"read_point": "urn:epc:id:sgln:9506000.00001." + door, "tags": fmt.Sprint(tags), "unassigned": "0"}}
	for i, c := range codes {
		ev.Lots = append(ev.Lots, lotKey(c))
		ev.EPCs = append(ev.EPCs, fmt.Sprintf("urn:epc:id:sgtin:9506000.013435.%d", i+1))
	}
	if inside != "" {
		ev.Attrs["inside"] = inside
	}
	return ev
}

// unassigned returns the event of n tags of no known lot passing door at t0+at.
func unassigned(typ, door string, at time.Duration, n int) wire.Event {
	ev := portal(typ, door, "", at, n)
	ev.Attrs["unassigned"] = "true"
	for i := range n {
		ev.EPCs = append(ev.EPCs, fmt.Sprintf("hex:E2801170000002%02X", i))
	}
	return ev
}

// hold puts a lot on hold.
func (e *env) hold(lotID int64, reason string) {
	e.t.Helper()
	e.write(func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.SetLotStatus(ctx, lotID, store.StatusReleased, store.StatusOnHold, reason, "rules", t0.Add(time.Hour))
		return err
	})
}

// readings stores n temperature readings attached to the lot, one a minute from t0,
// valued 2, 3, 4, … °C.
func (e *env) readings(lotID int64, n int) {
	e.t.Helper()
	e.write(func(ctx context.Context, tx *store.Tx) error {
		src, err := tx.Source(ctx, "plant-1", "gw-1", "epoch-1", t0)
		if err != nil {
			return err
		}
		set, err := tx.LotSet(ctx, fmt.Sprint(lotID), []int64{lotID})
		if err != nil {
			return err
		}
		for i := range n {
			r := &wire.Reading{Time: t0.Add(time.Duration(i) * time.Minute), Synced: true, Sensor: "cr1-t1",
				Location: "cold-room-1", Quantity: wire.Temperature, Value: float64(2 + i), Quality: wire.Good}
			if _, err := tx.InsertReading(ctx, src, uint64(i+1), r, set); err != nil {
				return err
			}
		}
		return nil
	})
}

// excursion records an open excursion of the lot.
func (e *env) excursion(lotID int64) int64 {
	e.t.Helper()
	var id int64
	e.write(func(ctx context.Context, tx *store.Tx) (err error) {
		id, err = tx.CreateExcursion(ctx, &store.Excursion{LotID: lotID, Rule: "high-8C", Site: "plant-1",
			Location: "cold-room-1", Sensor: "cr1-t1", Began: t0.Add(10 * time.Minute), Detected: t0.Add(40 * time.Minute),
			Peak: 11.5, Limit: 8, DelaySeconds: 1800})
		return err
	})
	return id
}

// alert raises an alert (about lotID when not 0) as ingest does, each a new condition,
// and returns it as stored.
func (e *env) alert(lotID int64, msg string) store.Alert {
	e.t.Helper()
	return e.raise(lotID, msg).Alert
}

// get fetches path and decodes the JSON answer into v (when not nil); it returns the
// response with its body read.
func (e *env) get(path string, v any) (*http.Response, []byte) {
	e.t.Helper()
	res, body := e.do(http.MethodGet, path, nil)
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			e.t.Fatalf("GET %s: decode %q: %v", path, body, err)
		}
	}
	return res, body
}

// wantStatus fetches path and checks the status code; for errors it checks the
// answer is {"error": "..."} and returns the message.
func (e *env) wantStatus(path string, code int) string {
	e.t.Helper()
	var body map[string]any
	var res *http.Response
	if code >= 400 {
		res, _ = e.get(path, &body)
	} else {
		res, _ = e.get(path, nil)
	}
	if res.StatusCode != code {
		e.t.Fatalf("GET %s: status %d, want %d", path, res.StatusCode, code)
	}
	if code < 400 {
		return ""
	}
	msg, ok := body["error"].(string)
	if !ok || msg == "" || len(body) != 1 {
		e.t.Fatalf(`GET %s: body %v, want {"error": "..."}`, path, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		e.t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	return msg
}

// lotPath is the API path of a lot, its key percent-encoded as a browser's
// encodeURIComponent does.
func lotPath(key string) string { return "/api/lots/" + url.PathEscape(key) }
