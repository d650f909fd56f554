package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lotsense/lotsense/cloud/auth"
	tt "github.com/lotsense/lotsense/cloud/trace/tracetest"
)

func TestEPCISExportAndCaptureRoutes(t *testing.T) {
	e, _ := newTraceEnv(t)
	res, body := e.do("GET", "/api/epcis/events", nil)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/ld+json") {
		t.Fatalf("export: %d %s %.200s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	var doc struct {
		Type string `json:"type"`
		Body struct {
			EventList []map[string]any `json:"eventList"`
		} `json:"epcisBody"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.Type != "EPCISDocument" || len(doc.Body.EventList) != len(tt.Events()) {
		t.Fatalf("exported document: type %q, %d events (%v); want %d", doc.Type, len(doc.Body.EventList), err, len(tt.Events()))
	}
	// A partner sends the shipments back (a capture token): recorded before, so none new.
	e.user("partner", auth.Operator)
	tok := e.newToken("partner", auth.ScopeCapture)
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/epcis/capture", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/ld+json")
	r2, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	if r2.StatusCode != http.StatusAccepted || !strings.Contains(string(b2), `"new":0`) {
		t.Errorf("capture of our own export: %d %s, want 202 and nothing new", r2.StatusCode, b2)
	}
	// A broken document is refused with where it breaks.
	broken := bytes.Replace(body, []byte(`"eventTime"`), []byte(`"eventTimeX"`), 1)
	req, _ = http.NewRequest("POST", e.srv.URL+"/api/epcis/capture", bytes.NewReader(broken))
	req.Header.Set("Authorization", "Bearer "+tok)
	r3, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b3, _ := io.ReadAll(r3.Body)
	r3.Body.Close()
	if r3.StatusCode != http.StatusBadRequest || !strings.Contains(string(b3), "eventList[0]") {
		t.Errorf("capture of a broken document: %d %s, want 400 naming eventList[0]", r3.StatusCode, b3)
	}
}

func TestFSMAExportRoutes(t *testing.T) {
	e, _ := newTraceEnv(t)
	lot := url.QueryEscape(tt.Key(tt.SpinachGTIN, tt.SpinachL1))
	res, body := e.do("GET", "/api/fsma204.xlsx?lot="+lot, nil)
	if res.StatusCode != 200 || !bytes.HasPrefix(body, []byte("PK")) || !strings.Contains(res.Header.Get("Content-Disposition"), ".xlsx") {
		t.Errorf("xlsx: %d %s, %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(body))
	}
	res, body = e.do("GET", "/api/fsma204.zip", nil)
	if res.StatusCode != 200 || !bytes.HasPrefix(body, []byte("PK")) {
		t.Errorf("zip: %d, %d bytes", res.StatusCode, len(body))
	}
	res, body = e.do("GET", "/api/fsma204.csv?type=shipping", nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), "ASN-9001") || strings.Count(string(body), "\r\n") != 5 {
		t.Errorf("shipping csv: %d\n%s\nwant a header and the four shipments", res.StatusCode, body)
	}
	for path, code := range map[string]int{
		"/api/fsma204.csv":                                http.StatusBadRequest,
		"/api/fsma204.csv?type=teleport":                  http.StatusBadRequest,
		"/api/fsma204.xlsx?gtin=123":                      http.StatusBadRequest,
		"/api/fsma204.xlsx?from=2026-12-01&to=2026-11-01": http.StatusBadRequest,
	} {
		if res, body := e.do("GET", path, nil); res.StatusCode != code {
			t.Errorf("GET %s: %d %s, want %d", path, res.StatusCode, body, code)
		}
	}
}
