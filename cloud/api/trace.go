package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lotsense/lotsense/cloud/auth"
	"github.com/lotsense/lotsense/cloud/holds"
	"github.com/lotsense/lotsense/cloud/trace"
	"github.com/lotsense/lotsense/drivers/gs1"
)

// Traceability routes (issue 9): the registry, tracking events, trace and recall,
// FEFO, expiry. Registered only when the server has a traceability record.
//
//	GET  /api/trace/{direction}?lot=KEY…      viewer  forward or backward trace
//	GET  /api/recall?lot=KEY…                 viewer  recall report
//	GET  /api/fefo?gtin=&quantity=&unit=&site=&customer=&at=   viewer  pick suggestion
//	GET  /api/expiry/near?buckets=30,60,90    viewer  stock near expiry
//	GET  /api/expiry/losses?month=YYYY-MM     viewer  stock lost to expiry
//	GET  /api/trace/events?from=&to=&type=&gtin=&lot=&limit=   viewer
//	POST /api/trace/events                    operator record events (one or {"events":[…]})
//	GET  /api/products, /api/places           viewer
//	PUT  /api/products/{gtin}, /api/places/{gln}, /api/registry/lots/{key}   qa
//	POST /api/lotcodes                        operator assign a lot code
//	POST /api/pallets/{sscc}/hold             qa, signed: every lot on the pallet on hold
func (s *Server) traceRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/trace/events", s.listTraceEvents)
	mux.Handle("POST /api/trace/events", auth.Require(auth.Operator, s.recordTraceEvents))
	mux.HandleFunc("GET /api/trace/{direction}", s.traceLots)
	mux.HandleFunc("GET /api/recall", s.recall)
	mux.HandleFunc("GET /api/fefo", s.pickFEFO)
	mux.HandleFunc("GET /api/expiry/near", s.nearExpiry)
	mux.HandleFunc("GET /api/expiry/losses", s.expiryLosses)
	mux.HandleFunc("GET /api/products", s.listProducts)
	mux.Handle("PUT /api/products/{gtin}", auth.Require(auth.QA, s.putProduct))
	mux.HandleFunc("GET /api/places", s.listPlaces)
	mux.Handle("PUT /api/places/{gln}", auth.Require(auth.QA, s.putPlace))
	mux.Handle("PUT /api/registry/lots/{key}", auth.Require(auth.QA, s.putRegistryLot))
	mux.Handle("POST /api/lotcodes", auth.Require(auth.Operator, s.assignLotCode))
	mux.Handle("POST /api/pallets/{sscc}/hold", auth.Require(auth.QA, s.holdPallet))
}

// failTrace answers an error of the traceability record: 400 for refused input, 404
// for something not recorded.
func (s *Server) failTrace(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, trace.ErrInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, trace.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	default:
		s.fail(w, r, err)
	}
}

// lotKeys reads the lot= parameters: lot keys, or GTIN/lot pairs as "gtin/lot".
func lotKeys(r *http.Request) ([]string, error) {
	var keys []string
	for _, v := range r.URL.Query()["lot"] {
		if g, l, ok := strings.Cut(v, "/"); ok && !strings.HasPrefix(v, "(") {
			v = gs1.LotKey(g, l)
		}
		if _, _, err := gs1.ParseLotKey(v); err != nil {
			return nil, badRequestf("lot %q: %v (want (01)GTIN(10)LOT or GTIN/LOT)", v, err)
		}
		keys = append(keys, v)
	}
	if len(keys) == 0 {
		return nil, badRequestf("no lot given: add lot=(01)GTIN(10)LOT")
	}
	if len(keys) > 1000 {
		return nil, badRequestf("%d lots, at most 1000 at once", len(keys))
	}
	return keys, nil
}

func (s *Server) traceLots(w http.ResponseWriter, r *http.Request) {
	keys, err := lotKeys(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.trace.Trace(r.Context(), r.PathValue("direction"), keys)
	if err != nil {
		s.failTrace(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) recall(w http.ResponseWriter, r *http.Request) {
	keys, err := lotKeys(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep, err := s.trace.Recall(r.Context(), keys)
	if err != nil {
		s.failTrace(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func queryTime(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, badRequestf("%s=%q: want YYYY-MM-DD or RFC 3339", name, v)
	}
	return t, nil
}

func (s *Server) pickFEFO(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	qty, err := strconv.ParseFloat(q.Get("quantity"), 64)
	if err != nil {
		s.fail(w, r, badRequestf("quantity=%q: want a number", q.Get("quantity")))
		return
	}
	at, err := queryTime(r, "at")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	req := trace.PickRequest{GTIN: q.Get("gtin"), Quantity: qty, Unit: q.Get("unit"), Site: q.Get("site"), Customer: q.Get("customer"), At: at}
	p, err := s.trace.PickFEFO(r.Context(), req, s.store.LotStatuses)
	if err != nil {
		s.failTrace(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) nearExpiry(w http.ResponseWriter, r *http.Request) {
	var buckets []int
	if v := r.URL.Query().Get("buckets"); v != "" {
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 0 || n > 3650 {
				s.fail(w, r, badRequestf("buckets=%q: want days, e.g. 30,60,90", v))
				return
			}
			buckets = append(buckets, n)
		}
	}
	at, err := queryTime(r, "at")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if at.IsZero() {
		at = time.Now()
	}
	out, err := s.trace.NearExpiryStock(r.Context(), at, buckets)
	if err != nil {
		s.failTrace(w, r, err)
		return
	}
	if out == nil {
		out = []trace.NearExpiry{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) expiryLosses(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query().Get("month")
	month, err := time.Parse("2006-01", v)
	if err != nil {
		s.fail(w, r, badRequestf("month=%q: want YYYY-MM", v))
		return
	}
	out, err := s.trace.ExpiryLosses(r.Context(), month)
	if err != nil {
		s.failTrace(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// eventFilter reads the filter of event lists and exports.
func eventFilter(r *http.Request) (trace.EventFilter, error) {
	q := r.URL.Query()
	var f trace.EventFilter
	var err error
	if f.From, err = queryTime(r, "from"); err != nil {
		return f, err
	}
	if f.To, err = queryTime(r, "to"); err != nil {
		return f, err
	}
	f.Types, f.GTINs = q["type"], q["gtin"]
	if len(q["lot"]) > 0 {
		if f.Lots, err = lotKeys(r); err != nil {
			return f, err
		}
	}
	return f, nil
}

func (s *Server) listTraceEvents(w http.ResponseWriter, r *http.Request) {
	f, err := eventFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Limit = 1000
	if v := r.URL.Query().Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > 10000 {
			s.fail(w, r, badRequestf("limit=%q: want 1 to 10000", v))
			return
		}
	}
	out := []*trace.Event{}
	if err := s.trace.Events(r.Context(), f, func(e *trace.Event) error {
		out = append(out, e)
		return nil
	}); err != nil {
		s.failTrace(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// maxEventsBody bounds POST /api/trace/events.
const maxEventsBody = 8 << 20

func (s *Server) recordTraceEvents(w http.ResponseWriter, r *http.Request) {
	u, _ := auth.UserFrom(r.Context())
	body := http.MaxBytesReader(w, r.Body, maxEventsBody)
	var raw json.RawMessage
	if err := json.NewDecoder(body).Decode(&raw); err != nil {
		s.fail(w, r, badRequestf("request body: %v", err))
		return
	}
	var batch struct {
		Events []*trace.Event `json:"events"`
	}
	if strings.HasPrefix(strings.TrimSpace(string(raw)), "[") || json.Unmarshal(raw, &batch) != nil || batch.Events == nil {
		var one trace.Event
		if err := strictJSON(raw, &one); err != nil {
			s.fail(w, r, badRequestf("request body: want an event or {\"events\": [...]}: %v", err))
			return
		}
		batch.Events = []*trace.Event{&one}
	}
	if len(batch.Events) > 10000 {
		s.fail(w, r, badRequestf("%d events, at most 10000 at once", len(batch.Events)))
		return
	}
	for _, e := range batch.Events {
		e.Source = "api:" + u.Actor()
		e.Recorded = time.Time{}
		e.Extra = nil
	}
	n, err := s.trace.RecordAll(r.Context(), batch.Events)
	if err != nil {
		s.failTrace(w, r, err)
		return
	}
	ids := make([]string, len(batch.Events))
	for i, e := range batch.Events {
		ids[i] = e.EventID
	}
	writeJSON(w, http.StatusOK, map[string]any{"recorded": n, "event_ids": ids})
}

func strictJSON(raw []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func (s *Server) listProducts(w http.ResponseWriter, r *http.Request) {
	out, err := s.trace.Products(r.Context())
	if err != nil {
		s.failTrace(w, r, err)
		return
	}
	if out == nil {
		out = []trace.Product{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) putProduct(w http.ResponseWriter, r *http.Request) {
	var p trace.Product
	if err := decodeUserBody(w, r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	p.GTIN = r.PathValue("gtin")
	if err := s.trace.PutProduct(r.Context(), &p); err != nil {
		s.failTrace(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) listPlaces(w http.ResponseWriter, r *http.Request) {
	out, err := s.trace.Locations(r.Context())
	if err != nil {
		s.failTrace(w, r, err)
		return
	}
	if out == nil {
		out = []trace.Location{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) putPlace(w http.ResponseWriter, r *http.Request) {
	var l trace.Location
	if err := decodeUserBody(w, r, &l); err != nil {
		s.fail(w, r, err)
		return
	}
	l.GLN = r.PathValue("gln")
	if err := s.trace.PutLocation(r.Context(), &l); err != nil {
		s.failTrace(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (s *Server) putRegistryLot(w http.ResponseWriter, r *http.Request) {
	g, c, err := gs1.ParseLotKey(r.PathValue("key"))
	if err != nil {
		s.fail(w, r, badRequestf("%v", err))
		return
	}
	var l trace.Lot
	if err := decodeUserBody(w, r, &l); err != nil {
		s.fail(w, r, err)
		return
	}
	l.GTIN, l.Code = g, c
	if err := s.trace.PutLot(r.Context(), &l); err != nil {
		s.failTrace(w, r, err)
		return
	}
	got, err := s.trace.Lot(r.Context(), g, c)
	if err != nil {
		s.failTrace(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, got)
}

type lotCodeRequest struct {
	GTIN     string    `json:"gtin"`
	Facility string    `json:"facility"`
	Line     string    `json:"line"`
	Shift    string    `json:"shift"`
	Source   string    `json:"source"` // GLN of the place assigning it
	At       time.Time `json:"at,omitzero"`
}

func (s *Server) assignLotCode(w http.ResponseWriter, r *http.Request) {
	var in lotCodeRequest
	if err := decodeUserBody(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	l, err := s.trace.AssignLotCode(r.Context(), s.lotCodes, trace.LotCodeInput{
		GTIN: in.GTIN, At: in.At, Facility: in.Facility, Line: in.Line, Shift: in.Shift, Source: in.Source})
	if err != nil {
		s.failTrace(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"lot": l, "key": l.Key()})
}

type palletHoldRequest struct {
	Reason   string `json:"reason"`
	Password string `json:"password"`
}

// holdPallet puts every lot on a pallet on hold: the cases on a held pallet follow it.
func (s *Server) holdPallet(w http.ResponseWriter, r *http.Request) {
	u, _ := auth.UserFrom(r.Context())
	var in palletHoldRequest
	if err := decodeUserBody(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if strings.TrimSpace(in.Reason) == "" {
		writeError(w, http.StatusBadRequest, "a hold needs a reason")
		return
	}
	if err := s.auth.VerifyPassword(r.Context(), u.Name, in.Password); err != nil {
		writeError(w, http.StatusForbidden, "signature refused: the password is not "+u.Name+"'s")
		return
	}
	sscc := r.PathValue("sscc")
	if !strings.HasPrefix(sscc, "urn:epc:id:sscc:") {
		// 18 digits: the company prefix length (cp=, default 7) splits it.
		cp := 7
		if v := r.URL.Query().Get("cp"); v != "" {
			cp, _ = strconv.Atoi(v)
		}
		epc, err := gs1.SSCCOf(sscc, cp)
		if err != nil {
			s.fail(w, r, badRequestf("pallet %q: want urn:epc:id:sscc:… or 18 digits (with cp= the company prefix length): %v", sscc, err))
			return
		}
		sscc = epc.URN()
	}
	lots, err := s.trace.LotsOn(r.Context(), sscc)
	if err != nil {
		s.failTrace(w, r, err)
		return
	}
	if len(lots) == 0 {
		writeError(w, http.StatusNotFound, "nothing is recorded on pallet "+sscc)
		return
	}
	var derived []holds.Derived
	for _, l := range lots {
		site := ""
		if st, err := s.trace.OnHand(r.Context(), []string{l.Key()}); err == nil && len(st) > 0 {
			site = st[0].Site
		}
		derived = append(derived, holds.Derived{Key: l.Key(), GTIN: l.GTIN, Lot: l.Code, Site: site})
	}
	changed, err := holds.HoldDerived(r.Context(), s.store, derived, "on pallet "+sscc+": "+in.Reason, u.Actor(), time.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if changed == nil {
		changed = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"pallet": sscc, "held": changed, "lots": len(lots)})
}
