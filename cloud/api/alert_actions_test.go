package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/lotsense/lotsense/cloud/auth"
	"github.com/lotsense/lotsense/cloud/store"
)

// post sends body (a string: raw, as JSON with its content type) to path as root.
func (e *env) post(path, contentType, body string) (int, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := e.srv.Client().Do(e.authorize(req))
	if err != nil {
		e.t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		e.t.Fatalf("POST %s: answer is not JSON: %v", path, err)
	}
	return res.StatusCode, out
}

func TestAlertAcknowledgeAndResolve(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.alert(e.lot("A1", "cold-room-1", 0), "A1 above 8 °C")
	path := "/api/alerts/" + strconv.FormatInt(a.ID, 10)

	code, body := e.post(path+"/ack", "application/json", `{"note": "  checking the room  "}`)
	if code != http.StatusOK || body["state"] != "acknowledged" || body["count"] != 1.0 {
		t.Fatalf("ack: %d %v", code, body)
	}
	ack, _ := body["acknowledged"].(map[string]any)
	if ack["note"] != "checking the room" || ack["at"] == nil {
		t.Errorf("ack record %v", ack)
	}
	code, body = e.post(path+"/ack", "application/json", `{}`)
	if code != http.StatusConflict || !strings.Contains(body["error"].(string), "acknowledged") {
		t.Errorf("ack twice: %d %v, want 409", code, body)
	}
	code, body = e.post(path+"/resolve", "application/json", `{"note": ""}`)
	if code != http.StatusBadRequest || !strings.Contains(body["error"].(string), "note") {
		t.Errorf("resolve without a note: %d %v, want 400", code, body)
	}
	code, body = e.post(path+"/resolve", "application/json; charset=utf-8", `{"note": "probe replaced; lot released by QA"}`)
	if code != http.StatusOK || body["state"] != "resolved" {
		t.Fatalf("resolve: %d %v", code, body)
	}
	code, body = e.post(path+"/resolve", "application/json", `{"note": "again"}`)
	if code != http.StatusConflict {
		t.Errorf("resolve twice: %d %v, want 409", code, body)
	}
	code, _ = e.post(path+"/ack", "application/json", `{"note": "late"}`)
	if code != http.StatusConflict {
		t.Errorf("ack of a resolved alert: %d, want 409", code)
	}
	got, err := e.st.Alert(context.Background(), a.ID)
	if err != nil || got.State != store.AlertResolved || got.Acknowledged.Note != "checking the room" ||
		got.Resolved.Note != "probe replaced; lot released by QA" || !strings.HasPrefix(got.Resolved.By, "root") {
		t.Fatalf("stored %+v %v", got, err)
	}
	hist, err := e.st.AlertHistory(context.Background(), a.ID)
	if err != nil || len(hist) != 3 {
		t.Errorf("history %+v %v, want opened, acknowledged, resolved (refusals write nothing)", hist, err)
	}
}

func TestAlertActionBadRequests(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.alert(0, "gateway gw-2 offline")
	path := "/api/alerts/" + strconv.FormatInt(a.ID, 10) + "/ack"
	for _, c := range []struct {
		name, path, ctype, body string
		code                    int
	}{
		{"id not a number", "/api/alerts/abc/ack", "application/json", `{}`, 400},
		{"id zero", "/api/alerts/0/ack", "application/json", `{}`, 400},
		{"unknown alert", "/api/alerts/999/ack", "application/json", `{}`, 404},
		{"form post", path, "application/x-www-form-urlencoded", `note=x`, 400},
		{"no content type", path, "", `{"note": "x"}`, 400},
		{"not JSON", path, "application/json", `note`, 400},
		{"unknown field", path, "application/json", `{"note": "x", "state": "resolved"}`, 400},
		{"two objects", path, "application/json", `{"note": "x"} {}`, 400},
		{"note too long", path, "application/json", `{"note": "` + strings.Repeat("é", maxNote+1) + `"}`, 400},
	} {
		code, body := e.post(c.path, c.ctype, c.body)
		if code != c.code || body["error"] == nil {
			t.Errorf("%s: %d %v, want %d with an error", c.name, code, body, c.code)
		}
	}
	if got, _ := e.st.Alert(context.Background(), a.ID); got.State != store.AlertOpen {
		t.Errorf("after bad requests the alert is %s, want open", got.State)
	}
	// A viewer may read alerts but not acknowledge them.
	e.user("vic", auth.Viewer)
	res, _ := e.doAs(e.newToken("vic", auth.ScopeFull), http.MethodPost, path, map[string]string{"note": "x"})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("ack by a viewer: %d, want 403", res.StatusCode)
	}
	// GET on an action is not allowed.
	res, _ = e.do(http.MethodGet, path, nil)
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET %s: %d, want 405", path, res.StatusCode)
	}
}
