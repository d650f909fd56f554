// Package tracefeed keeps the traceability record (cloud/trace) up to date from the
// cloud store: every gateway event stored by ingest (dock-door passes, station scans)
// becomes a critical tracking event with its key data elements, and every lot status
// change becomes a disposition event. A hold also reaches the lots made from the held
// lot, through the lot graph (issue 8's propagation).
//
// It follows the store's feeds with cursors kept in the traceability record, moved in
// the same transaction as the events recorded, so a follower stopped at any point
// resumes exactly after what it recorded; events have stable ids, so a replay records
// nothing twice.
package tracefeed

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/lotsense/lotsense/cloud/holds"
	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/cloud/trace"
	"github.com/lotsense/lotsense/drivers/gs1"
)

// Cursor names in the traceability record.
const (
	CursorEvents = "store-events"
	CursorStatus = "store-status"
)

// ActorPropagation signs holds the follower puts on lots made from a held lot.
const ActorPropagation = "system:propagation"

// Follower copies the store's feeds into the traceability record.
type Follower struct {
	st  *store.Store
	tr  *trace.Store
	log *slog.Logger
	// Interval is the pause between polls once caught up; Batch the feed rows read
	// at once.
	Interval time.Duration
	Batch    int
	now      func() time.Time
}

// New returns a follower of st into tr.
func New(st *store.Store, tr *trace.Store, log *slog.Logger) *Follower {
	if log == nil {
		log = slog.Default()
	}
	return &Follower{st: st, tr: tr, log: log.With("component", "tracefeed"), Interval: time.Second, Batch: 500, now: time.Now}
}

// Run follows until ctx ends.
func (f *Follower) Run(ctx context.Context) error {
	for {
		n, err := f.Step(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			f.log.Error("tracefeed: step failed; retrying", "err", err)
		}
		if n > 0 && err == nil {
			continue // more may be waiting
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(f.Interval):
		}
	}
}

// Step handles one batch of each feed and returns how many rows it read.
func (f *Follower) Step(ctx context.Context) (int, error) {
	a, err := f.events(ctx)
	if err != nil {
		return a, err
	}
	b, err := f.statuses(ctx)
	return a + b, err
}

// CatchUp steps until both feeds are read to their end.
func (f *Follower) CatchUp(ctx context.Context) error {
	for {
		n, err := f.Step(ctx)
		if err != nil || n == 0 {
			return err
		}
	}
}

// stableID is a urn:uuid: (version 5 layout, SHA-1 of parts) so the same feed row
// always gives the same event id.
func stableID(parts ...string) string {
	h := sha1.Sum([]byte("lotsense/tracefeed\x00" + strings.Join(parts, "\x00")))
	b := h[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b)
	return "urn:uuid:" + x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

func (f *Follower) events(ctx context.Context) (int, error) {
	after, err := f.tr.Cursor(ctx, CursorEvents)
	if err != nil {
		return 0, err
	}
	feed, err := f.st.EventFeed(ctx, after, f.Batch)
	if err != nil || len(feed) == 0 {
		return 0, err
	}
	var out []*trace.Event
	for _, fe := range feed {
		e, err := f.cte(ctx, fe)
		if err != nil {
			return 0, err
		}
		if e == nil {
			continue
		}
		if err := e.Validate(); err != nil {
			// Kept, with the reason, where people look for refused input; the
			// feed goes on.
			body, _ := json.Marshal(fe.Event)
			if derr := f.st.AddDeadLetter(ctx, fmt.Sprintf("trace:%s/%s/%s#%d", fe.Site, fe.Gateway, fe.Epoch, fe.Seq), err.Error(), body, f.now()); derr != nil {
				return 0, derr
			}
			f.log.Warn("tracefeed: gateway event is no tracking event; dead-lettered", "site", fe.Site, "gateway", fe.Gateway, "seq", fe.Seq, "err", err)
			continue
		}
		out = append(out, e)
	}
	if _, err := f.tr.RecordAllAt(ctx, out, CursorEvents, feed[len(feed)-1].ID); err != nil {
		return 0, err
	}
	return len(feed), nil
}

// place names a gateway location key as a GLN when the registry has it, else as
// "site/key".
func (f *Follower) place(ctx context.Context, site, key string) (string, error) {
	if key == "" {
		return "", nil
	}
	l, err := f.tr.LocationByKey(ctx, site, key)
	if err == nil {
		return l.GLN, nil
	}
	if !errors.Is(err, trace.ErrNotFound) {
		return "", err
	}
	return site + "/" + key, nil
}

// cte turns a stored gateway event into a critical tracking event; nil for events
// that are none (rejected scans, tags of no lot).
func (f *Follower) cte(ctx context.Context, fe store.FeedEvent) (*trace.Event, error) {
	w := &fe.Event
	e := &trace.Event{
		EventID: stableID("gateway", fe.Site, fe.Gateway, fe.Epoch, strconv.FormatUint(fe.Seq, 10)),
		Time:    w.Time, Site: fe.Site, Source: "gateway:" + fe.Site + "/" + fe.Gateway,
	}
	switch w.Type {
	case store.EventReceiving:
		e.Type, e.BizStep, e.Disposition, e.Action = trace.Receiving, "receiving", "in_progress", trace.ActionObserve
	case store.EventShipping:
		e.Type, e.BizStep, e.Disposition, e.Action = trace.Shipping, "shipping", "in_transit", trace.ActionObserve
	case store.EventPortalSeen:
		e.Type, e.Action = trace.Observation, trace.ActionObserve
	case store.EventPutaway:
		e.Type, e.BizStep, e.Action = trace.Observation, "storing", trace.ActionObserve
	case store.EventPicking:
		e.Type, e.BizStep, e.Action = trace.Observation, "picking", trace.ActionObserve
	default:
		return nil, nil
	}
	if w.Attrs["unassigned"] == "true" {
		return nil, nil
	}
	var lots []trace.LotQuantity
	for _, key := range w.Lots {
		g, l, err := gs1.ParseLotKey(key)
		if err != nil {
			f.log.Warn("tracefeed: event names an invalid lot; lot skipped", "site", fe.Site, "gateway", fe.Gateway, "seq", fe.Seq, "lot", key, "err", err)
			continue
		}
		lots = append(lots, trace.LotQuantity{GTIN: g, Lot: l})
	}
	if len(lots) == 0 {
		return nil, nil
	}
	if len(lots) == 1 {
		// A scan counts its units; a portal pass of one lot counts its tags.
		if q, err := strconv.ParseFloat(w.Attrs["quantity"], 64); err == nil && q > 0 {
			lots[0].Quantity, lots[0].Unit = q, "EA"
		} else if n, err := strconv.Atoi(w.Attrs["tags"]); err == nil && n > 0 {
			un, _ := strconv.Atoi(w.Attrs["unassigned"])
			if n > un {
				lots[0].Quantity, lots[0].Unit = float64(n-un), "EA"
			}
		}
		if exp, err := time.Parse(time.DateOnly, w.Attrs["expiry"]); err == nil {
			if err := f.tr.PutLot(ctx, &trace.Lot{GTIN: lots[0].GTIN, Code: lots[0].Lot, Expiry: exp}); err != nil && !errors.Is(err, trace.ErrInvalid) {
				return nil, err
			}
		}
	}
	e.Lots = lots
	if len(w.EPCs) <= trace.MaxEPCsPerEvent {
		e.EPCs = w.EPCs
	}
	door, err := f.place(ctx, fe.Site, w.Location)
	if err != nil {
		return nil, err
	}
	inside, err := f.place(ctx, fe.Site, w.Attrs["inside"])
	if err != nil {
		return nil, err
	}
	e.ReadPoint, e.Location = door, door
	siteGLN := fe.Site + "/"
	if s, err := f.tr.SiteLocation(ctx, fe.Site); err == nil {
		siteGLN = s.GLN
	}
	switch e.Type {
	case trace.Receiving:
		if inside != "" {
			e.Location = inside
		}
		e.ShipTo = siteGLN
	case trace.Shipping:
		e.ShipFrom = siteGLN
		if to := w.Attrs["ship_to"]; gs1.ValidGLN(to) == nil {
			e.ShipTo = to
		}
	}
	return e, nil
}

func (f *Follower) statuses(ctx context.Context) (int, error) {
	after, err := f.tr.Cursor(ctx, CursorStatus)
	if err != nil {
		return 0, err
	}
	feed, err := f.st.StatusFeed(ctx, after, f.Batch)
	if err != nil || len(feed) == 0 {
		return 0, err
	}
	var out []*trace.Event
	for _, ch := range feed {
		if _, _, err := gs1.ParseLotKey(ch.Lot); err != nil {
			continue // a lot of no GS1 identity has no place in the record
		}
		e, err := f.disposition(ctx, ch)
		if err != nil {
			return 0, err
		}
		out = append(out, e)
		if ch.To == store.StatusOnHold {
			if err := f.propagate(ctx, ch); err != nil {
				return 0, err
			}
		}
	}
	if _, err := f.tr.RecordAllAt(ctx, out, CursorStatus, feed[len(feed)-1].ID); err != nil {
		return 0, err
	}
	return len(feed), nil
}

// disposition is the tracking event of a status change. Destroying a lot takes its
// stock on hand out of the ledger.
func (f *Follower) disposition(ctx context.Context, ch store.FeedStatus) (*trace.Event, error) {
	e := &trace.Event{
		EventID: stableID("status", strconv.FormatInt(ch.ID, 10), ch.Lot),
		Type:    trace.Disposition, Time: ch.At, Action: trace.ActionObserve, Site: ch.Site,
		Source: "holds:" + ch.Actor, Reason: ch.Reason,
		Lots: []trace.LotQuantity{{GTIN: ch.GTIN, Lot: ch.LotCode}},
	}
	switch ch.To {
	case store.StatusOnHold:
		e.BizStep, e.Disposition = "holding", "non_sellable_other"
	case store.StatusReleased:
		e.BizStep, e.Disposition = "inspecting", "active"
	case store.StatusRejected:
		e.BizStep, e.Disposition = "inspecting", "non_conformant"
	case store.StatusDestroyed:
		e.BizStep, e.Disposition = "destroying", "destroyed"
		stock, err := f.tr.OnHand(ctx, []string{ch.Lot})
		if err != nil && !errors.Is(err, trace.ErrNotFound) {
			return nil, err
		}
		if len(stock) > 0 {
			e.Lots = nil
			e.Location = stock[0].Location
			for _, s := range stock {
				if s.Location == e.Location {
					e.Lots = append(e.Lots, trace.LotQuantity{GTIN: ch.GTIN, Lot: ch.LotCode, Quantity: s.Quantity, Unit: s.Unit})
				}
			}
		}
	}
	if e.Location == "" {
		if loc, err := f.place(ctx, ch.Site, ch.Location); err == nil {
			e.Location = loc
		}
	}
	return e, nil
}

// propagate holds the lots made from a lot put on hold.
func (f *Follower) propagate(ctx context.Context, ch store.FeedStatus) error {
	t, err := f.tr.Trace(ctx, trace.Forward, []string{ch.Lot})
	if errors.Is(err, trace.ErrNotFound) {
		return nil // the record knows nothing made from it
	}
	if err != nil {
		return err
	}
	var derived []holds.Derived
	for _, l := range t.Lots {
		if l.Depth == 0 {
			continue
		}
		site := ch.Site
		if st, err := f.tr.OnHand(ctx, []string{l.Key}); err == nil && len(st) > 0 && st[0].Site != "" {
			site = st[0].Site
		}
		derived = append(derived, holds.Derived{Key: l.Key, GTIN: l.Lot.GTIN, Lot: l.Lot.Code, Site: site})
	}
	if len(derived) == 0 {
		return nil
	}
	reason := "made from " + ch.Lot + ", on hold"
	if ch.Reason != "" {
		reason += ": " + ch.Reason
	}
	changed, err := holds.HoldDerived(ctx, f.st, derived, reason, ActorPropagation, f.now())
	if err != nil {
		return err
	}
	if len(changed) > 0 {
		f.log.Info("tracefeed: hold propagated to lots made from a held lot", "lot", ch.Lot, "held", changed)
	}
	return nil
}
