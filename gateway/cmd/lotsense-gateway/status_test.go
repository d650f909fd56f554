package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/gateway/localapi"
)

const fixedStatus = `{
  "site": "demo-site", "gateway": "coldroom-gw", "boot": "1a2b3c4d5e6f7081", "epoch": "9c1d2e3f40516273",
  "version": "v0.3.0", "started": "2026-05-01T12:00:00Z", "uptime_seconds": 133.4,
  "clock": "2026-05-01T14:13:20Z", "clock_synced": false,
  "mqtt": {"broker": "tcp://127.0.0.1:1883", "connected": true, "since": "2026-05-01T12:00:03Z",
    "last_ack_seconds": 0.00123, "last_ack_at": "2026-05-01T12:02:13Z"},
  "outbox": {"disk_bytes": 1258291, "pending_bytes": 3481, "streams": [
    {"name": "readings", "pending": 34, "next_seq": 1235, "acked": 1200, "oldest_age_seconds": 0.4},
    {"name": "events", "pending": 0, "next_seq": 1, "acked": 0, "oldest_age_seconds": 0},
    {"name": "alarms", "pending": 0, "next_seq": 1, "acked": 0, "oldest_age_seconds": 0}]},
  "counters": {"accepted": 1234, "published": 1200, "dropped": 7, "dropped_by": {"readings_dropped_total": 7, "publish_dropped_total": 0}},
  "sensors": [
    {"id": "th-1", "location": "cold-room-1", "last_poll": "2026-05-01T14:13:10Z", "failing": false,
      "values": [{"quantity": "temperature", "value": 3.14, "unit": "°C", "quality": "good"},
                 {"quantity": "humidity", "value": 45, "unit": "%", "quality": "good"}]},
    {"id": "th-2", "location": "cold-room-2", "last_poll": "2026-05-01T14:13:10Z", "failing": true,
      "values": [{"quantity": "temperature", "value": null, "unit": "°C", "quality": "unavailable"}]},
    {"id": "th-3", "location": "cold-room-2", "failing": false, "values": []}],
  "readers": [
    {"id": "dock-1-fx", "address": "10.0.0.20:5084", "connected": true, "since": "2026-05-01T12:00:01Z", "last_read": "2026-05-01T14:13:05Z", "reads": 4812},
    {"id": "dock-2-fx", "address": "10.0.0.21:5084", "connected": false, "since": "2026-05-01T12:00:01Z", "last_error": "llrp: dial 10.0.0.21:5084: connection refused", "reads": 0}],
  "doors": [
    {"id": "dock-1", "inside": "cold-room-1", "passes": {"in": 25, "out": 12, "none": 1}, "unassigned": 3, "tags_inside": 13,
      "lots_inside": ["(01)09506000134352(10)DEMO-A1", "(01)09506000134383(10)DEMO-B2"]},
    {"id": "dock-2", "passes": {}, "unassigned": 0, "tags_inside": 0, "lots_inside": []}]
}`

const wantTable = `gateway coldroom-gw at site demo-site, version v0.3.0, boot 1a2b3c4d5e6f7081, outbox 9c1d2e3f40516273
up 2m13s, clock NOT synchronised (gateway clock 2026-05-01 14:13:20)
broker tcp://127.0.0.1:1883: connected since 12:00:03 (2m10s), last PUBACK after 1.2ms
outbox: 1.2 MiB on disk, 3.4 KiB pending; this run: 1234 accepted, 1200 published, 7 dropped (readings_dropped_total 7)

STREAM    PENDING  NEXT SEQ  ACKED  OLDEST UNDELIVERED
readings  34       1235      1200   400ms
events    0        1         0      -
alarms    0        1         0      -

SENSOR  LOCATION     LAST POLL           STATE    VALUES
th-1    cold-room-1  14:13:10 (10s ago)  ok       temperature 3.1°C, humidity 45.0%
th-2    cold-room-2  14:13:10 (10s ago)  FAILING  temperature - (unavailable)
th-3    cold-room-2  never               ok       -

READER     ADDRESS         STATE                                                        TAG READS  LAST READ
dock-1-fx  10.0.0.20:5084  connected                                                    4812       14:13:05 (15s ago)
dock-2-fx  10.0.0.21:5084  DISCONNECTED: llrp: dial 10.0.0.21:5084: connection refused  0          never

DOOR    INSIDE       IN  OUT  NO DIRECTION  UNKNOWN TAGS  TAGS INSIDE  LOTS INSIDE
dock-1  cold-room-1  25  12   1             3             13           (01)09506000134352(10)DEMO-A1 (01)09506000134383(10)DEMO-B2
dock-2  -            0   0    0             0             0            -
`

func TestPrintStatus(t *testing.T) {
	var st localapi.Status
	if err := json.Unmarshal([]byte(fixedStatus), &st); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := printStatus(&b, &st); err != nil {
		t.Fatal(err)
	}
	if b.String() != wantTable {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), wantTable)
	}
}

// The command against a server: the table, -json as it came, and a clear message when
// nothing answers.
func TestStatusCommand(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/status" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(fixedStatus))
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	var b bytes.Buffer
	if err := statusCmd(context.Background(), []string{"-api", addr}, &b); err != nil || b.String() != wantTable {
		t.Errorf("status: %v\n%s", err, b.String())
	}
	b.Reset()
	if err := statusCmd(context.Background(), []string{"-api", addr, "-json"}, &b); err != nil || b.String() != fixedStatus {
		t.Errorf("status -json: %v\n%s", err, b.String())
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free := ln.Addr().String()
	ln.Close()
	err = statusCmd(context.Background(), []string{"-api", free}, &b)
	want := "no gateway answering on " + free + ": is it running? (connection refused)"
	if err == nil || err.Error() != want {
		t.Errorf("nothing listening: %v, want %q", err, want)
	}
	if err := statusCmd(context.Background(), []string{"-api", "nonsense"}, &b); err == nil || !strings.Contains(err.Error(), "host:port") {
		t.Errorf("-api nonsense: %v", err)
	}
}

// A gateway that takes configurations from the cloud shows the one it runs and the
// last one it refused, under its first line.
func TestPrintStatusConfig(t *testing.T) {
	var st localapi.Status
	if err := json.Unmarshal([]byte(fixedStatus), &st); err != nil {
		t.Fatal(err)
	}
	st.Config = &localapi.ConfigStatus{Version: "2026-03-14.3", File: "/var/lib/lotsense/gateway.remote.yaml",
		SHA256: "0123456789abcdef0123", Refused: "2026-03-14.4", RefusedReason: "not working 1m0s after the start: sensor th-9: no poll succeeded yet",
		RefusedAt: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)}
	var b bytes.Buffer
	if err := printStatus(&b, &st); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(b.String(), "\n", 4)
	want := []string{"configuration 2026-03-14.3 (/var/lib/lotsense/gateway.remote.yaml, sha256 0123456789ab)",
		"refused configuration 2026-03-14.4 at 2026-03-14 09:00:00: not working 1m0s after the start: sensor th-9: no poll succeeded yet"}
	if lines[1] != want[0] || lines[2] != want[1] {
		t.Errorf("lines 2 and 3:\n%s\n%s\nwant:\n%s\n%s", lines[1], lines[2], want[0], want[1])
	}
}
