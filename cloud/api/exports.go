package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/lotsense/lotsense/cloud/auth"
	"github.com/lotsense/lotsense/cloud/epcis"
	"github.com/lotsense/lotsense/cloud/fsma"
	"github.com/lotsense/lotsense/cloud/trace"
)

// Exports and capture of tracking events (issue 9 parts 4 and 5):
//
//	GET  /api/epcis/events?from=&to=&type=&gtin=&lot=   viewer   EPCIS 2.0 JSON-LD document
//	POST /api/epcis/capture                             operator, or a capture-scope token
//	GET  /api/fsma204.xlsx?from=&to=&gtin=&lot=&type=   viewer   FSMA 204 sortable spreadsheet
//	GET  /api/fsma204.zip (one CSV per sheet), /api/fsma204.csv?type=receiving (one sheet)
//
// Exports stream: rows are written as the store yields them.
func (s *Server) exportRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/epcis/events", s.exportEPCIS)
	mux.Handle("POST /api/epcis/capture", auth.Require(auth.Operator, s.captureEPCIS))
	mux.HandleFunc("GET /api/fsma204.xlsx", s.exportFSMA)
	mux.HandleFunc("GET /api/fsma204.zip", s.exportFSMA)
	mux.HandleFunc("GET /api/fsma204.csv", s.exportFSMA)
}

func (s *Server) exportEPCIS(w http.ResponseWriter, r *http.Request) {
	f, err := eventFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Refuse a bad filter before the first byte: Events checks it on its first call.
	if err := s.trace.Events(r.Context(), trace.EventFilter{Lots: f.Lots, Limit: 1}, func(*trace.Event) error { return nil }); err != nil {
		s.failTrace(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/ld+json")
	w.Header().Set("Content-Disposition", `attachment; filename="lotsense-epcis-`+time.Now().UTC().Format("20060102T150405Z")+`.jsonld"`)
	events := func(fn func(*trace.Event) error) error { return s.trace.Events(r.Context(), f, fn) }
	if err := epcis.Encode(r.Context(), w, epcis.DocumentInfo{}, events, s.trace); err != nil {
		// Headers are gone: the truncated document does not parse, and the log says why.
		s.log.Error("epcis export failed mid-way", "err", err)
	}
}

// maxCaptureBytes bounds one captured document.
const maxCaptureBytes = 32 << 20

func (s *Server) captureEPCIS(w http.ResponseWriter, r *http.Request) {
	u, _ := auth.UserFrom(r.Context())
	body := http.MaxBytesReader(w, r.Body, maxCaptureBytes+1)
	source := "epcis:" + u.Actor() + "@" + time.Now().UTC().Format(time.RFC3339)
	events, n, err := epcis.Capture(r.Context(), s.trace, body, epcis.Limits{MaxBytes: maxCaptureBytes}, source)
	var bad *epcis.Error
	switch {
	case errors.Is(err, epcis.ErrTooLarge):
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": err.Error()})
		return
	case errors.As(err, &bad):
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error(), "path": bad.Path, "event_id": bad.EventID})
		return
	case err != nil:
		s.failTrace(w, r, err)
		return
	}
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.EventID
	}
	s.log.Info("epcis capture", "by", u.Actor(), "events", len(events), "new", n)
	writeJSON(w, http.StatusAccepted, map[string]any{"captured": len(events), "new": n, "event_ids": ids})
}

func (s *Server) exportFSMA(w http.ResponseWriter, r *http.Request) {
	f, err := eventFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	req := fsma.Request{From: f.From, To: f.To, GTINs: f.GTINs, Lots: f.Lots, Types: f.Types}
	if err := req.Validate(); err != nil {
		s.failTrace(w, r, err)
		return
	}
	stamp := time.Now().UTC().Format("20060102")
	var write func(context.Context) error
	switch r.URL.Path {
	case "/api/fsma204.xlsx":
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="fsma204-`+stamp+`.xlsx"`)
		write = func(ctx context.Context) error { return fsma.WriteXLSX(ctx, w, s.trace, req) }
	case "/api/fsma204.zip":
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="fsma204-`+stamp+`.zip"`)
		write = func(ctx context.Context) error { return fsma.WriteCSVZip(ctx, w, s.trace, req) }
	default:
		if len(f.Types) != 1 {
			s.fail(w, r, badRequestf("fsma204.csv is one sheet: give one type= (commissioning, receiving, shipping, transformation, aggregation, disposition), or get fsma204.zip"))
			return
		}
		if _, err := fsma.Columns(f.Types[0]); err != nil {
			s.fail(w, r, badRequestf("type=%q: %v", f.Types[0], err))
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="fsma204-`+f.Types[0]+`-`+stamp+`.csv"`)
		write = func(ctx context.Context) error { return fsma.WriteCSV(ctx, w, s.trace, req, f.Types[0]) }
	}
	if err := write(r.Context()); err != nil {
		s.log.Error("fsma 204 export failed mid-way", "path", r.URL.Path, "query", r.URL.RawQuery, "err", err)
	}
}
