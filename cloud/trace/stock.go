package trace

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/lotsense/lotsense/drivers/gs1"
)

// epsilon: ledger sums of float quantities below this are nothing left.
const epsilon = 1e-9

// Stock is a quantity of one lot at one place.
type Stock struct {
	Key      string  `json:"lot"`
	GTIN     string  `json:"gtin"`
	Code     string  `json:"code"`
	Site     string  `json:"site,omitempty"`
	Location string  `json:"location"`
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit"`
	// Expiry is the lot's expiry date (zero when unknown).
	Expiry time.Time `json:"expiry,omitzero"`
	lotID  int64
}

// stockOf sums the ledger of lots (all lots of gtin when ids is nil) up to before
// (all time when zero), keeping positive balances, in lot, site, place, unit order.
func (s *Store) stockOf(ctx context.Context, ids []int64, gtin string, before time.Time) ([]Stock, error) {
	var out []Stock
	run := func(where string, args []any) error {
		if !before.IsZero() {
			where += " AND g.time < ?"
			args = append(args, micros(before))
		}
		rows, err := s.rq().query(ctx, `SELECT g.lot_id, l.gtin, l.code, l.expiry, g.site, g.location, g.unit, SUM(g.delta)
FROM tr_ledger g JOIN tr_lots l ON l.id = g.lot_id WHERE `+where+`
GROUP BY g.lot_id, l.gtin, l.code, l.expiry, g.site, g.location, g.unit`, args...)
		if err != nil {
			return fmt.Errorf("trace: stock: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var st Stock
			var exp sql.NullInt64
			if err := rows.Scan(&st.lotID, &st.GTIN, &st.Code, &exp, &st.Site, &st.Location, &st.Unit, &st.Quantity); err != nil {
				return fmt.Errorf("trace: stock: %w", err)
			}
			if st.Quantity <= epsilon {
				continue
			}
			st.Expiry = fromDay(exp)
			st.Key = LotQuantity{GTIN: st.GTIN, Lot: st.Code}.Key()
			out = append(out, st)
		}
		return rows.Err()
	}
	if ids == nil {
		if err := run("l.gtin = ?", []any{gtin}); err != nil {
			return nil, err
		}
	}
	for part := range slices.Chunk(ids, chunk) {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		if err := run("g.lot_id IN ("+placeholders(len(part))+")", args); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b Stock) int {
		return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Site, b.Site), cmp.Compare(a.Location, b.Location), cmp.Compare(a.Unit, b.Unit))
	})
	return out, nil
}

// OnHand returns the stock of lots (keys) now, by lot and place.
func (s *Store) OnHand(ctx context.Context, keys []string) ([]Stock, error) {
	ids, err := s.lotIDs(ctx, keys)
	if err != nil {
		return nil, err
	}
	return s.stockOf(ctx, ids, "", time.Time{})
}

// Shipment is what went to one party of one lot, summed over shipping events.
type Shipment struct {
	To       string    `json:"to"`
	Name     string    `json:"name,omitempty"`
	Key      string    `json:"lot"`
	Quantity float64   `json:"quantity"`
	Unit     string    `json:"unit"`
	Count    int       `json:"shipments"`
	Last     time.Time `json:"last"`
}

// RecallReport says, for lots to recall, every lot affected (them and everything
// made from them), what went to each customer, and what is still on hand where.
type RecallReport struct {
	Lots    []TraceLot `json:"lots"`
	Shipped []Shipment `json:"shipped"`
	OnHand  []Stock    `json:"on_hand"`
	// Totals by unit.
	ShippedTotal map[string]float64 `json:"shipped_total"`
	OnHandTotal  map[string]float64 `json:"on_hand_total"`
}

// ownKinds are the kinds of our own places: shipping there is a transfer, not a
// delivery to a customer.
var ownKinds = map[string]bool{KindSite: true, KindDoor: true, KindRoom: true, KindTruck: true}

// Recall builds the recall report for lots (keys).
func (s *Store) Recall(ctx context.Context, keys []string) (*RecallReport, error) {
	t, err := s.Trace(ctx, Forward, keys)
	if err != nil {
		return nil, err
	}
	r := &RecallReport{Lots: t.Lots, ShippedTotal: map[string]float64{}, OnHandTotal: map[string]float64{}}
	affected := map[string]bool{}
	allKeys := make([]string, 0, len(t.Lots))
	for _, l := range t.Lots {
		affected[l.Key] = true
		allKeys = append(allKeys, l.Key)
	}
	names := map[string]string{}
	own := func(p string) bool {
		if strings.Contains(p, "/") {
			return true
		}
		l, err := s.Location(ctx, p)
		if err != nil {
			return false // an unregistered party is outside
		}
		names[p] = l.Name
		return ownKinds[l.Kind]
	}
	type shipKey struct{ to, lot, unit string }
	shipped := map[shipKey]*Shipment{}
	for _, e := range t.Events {
		if e.Type != Shipping || own(e.ShipTo) {
			continue
		}
		for _, l := range e.Lots {
			k := shipKey{e.ShipTo, l.Key(), l.Unit}
			if !affected[k.lot] {
				continue
			}
			sh := shipped[k]
			if sh == nil {
				sh = &Shipment{To: e.ShipTo, Name: names[e.ShipTo], Key: k.lot, Unit: l.Unit}
				shipped[k] = sh
			}
			sh.Quantity += l.Quantity
			sh.Count++
			if e.Time.After(sh.Last) {
				sh.Last = e.Time
			}
		}
	}
	for _, sh := range shipped {
		r.Shipped = append(r.Shipped, *sh)
		r.ShippedTotal[sh.Unit] += sh.Quantity
	}
	slices.SortFunc(r.Shipped, func(a, b Shipment) int {
		return cmp.Or(cmp.Compare(a.To, b.To), cmp.Compare(a.Key, b.Key), cmp.Compare(a.Unit, b.Unit))
	})
	if r.OnHand, err = s.OnHand(ctx, allKeys); err != nil {
		return nil, err
	}
	for _, st := range r.OnHand {
		r.OnHandTotal[st.Unit] += st.Quantity
	}
	return r, nil
}

// LotStatuses tells the hold status of lots by key ("released", "on_hold",
// "rejected", "destroyed"; a lot it does not know is released). The cloud's holds
// answer it; the traceability record does not keep holds itself.
type LotStatuses func(ctx context.Context, keys []string) (map[string]string, error)

// PickRequest asks for a quantity of a product to ship.
type PickRequest struct {
	GTIN     string    `json:"gtin"`
	Quantity float64   `json:"quantity"`
	Unit     string    `json:"unit"`
	Site     string    `json:"site,omitempty"`     // pick only from this site's stock
	Customer string    `json:"customer,omitempty"` // GLN; its minimum remaining shelf life applies
	At       time.Time `json:"at,omitzero"`        // the shipping date (now when zero)
}

// PickLine is one lot and place to pick from.
type PickLine struct {
	Stock
	Take     float64 `json:"take"`
	DaysLeft int     `json:"days_left,omitempty"`
}

// Skip is stock FEFO passed over, and why.
type Skip struct {
	Stock
	Reason string `json:"reason"`
}

// Pick is a FEFO pick suggestion: lines in pick order, the quantity that could not
// be found (Short), and the stock skipped with reasons.
type Pick struct {
	Lines   []PickLine `json:"lines"`
	Short   float64    `json:"short"`
	Skipped []Skip     `json:"skipped,omitempty"`
}

// daysLeft is whole days from at's date to expiry's; the expiry date itself is the
// last usable day (0 days left).
func daysLeft(expiry, at time.Time) int {
	y, m, d := at.UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return int(math.Floor(expiry.Sub(today).Hours() / 24))
}

// PickFEFO suggests what to pick: earliest expiry first (lots without an expiry
// last), skipping held, rejected, destroyed, quarantined and expired lots and lots
// with less remaining shelf life than the customer accepts.
func (s *Store) PickFEFO(ctx context.Context, req PickRequest, statuses LotStatuses) (*Pick, error) {
	if err := gs1.ValidGTIN(req.GTIN); err != nil {
		return nil, invalid("pick: %v", err)
	}
	if !(req.Quantity > 0) || math.IsInf(req.Quantity, 0) {
		return nil, invalid("pick %s: quantity %g, want > 0", req.GTIN, req.Quantity)
	}
	at := req.At
	if at.IsZero() {
		at = s.now()
	}
	minDays := 0
	if req.Customer != "" {
		c, err := s.Location(ctx, req.Customer)
		if err != nil {
			return nil, err
		}
		minDays = c.MinShelfLifeDays
	}
	stock, err := s.stockOf(ctx, nil, req.GTIN, time.Time{})
	if err != nil {
		return nil, err
	}
	stock = slices.DeleteFunc(stock, func(st Stock) bool {
		return (req.Site != "" && st.Site != req.Site) || (req.Unit != "" && st.Unit != req.Unit)
	})
	keys := make([]string, 0, len(stock))
	for _, st := range stock {
		keys = append(keys, st.Key)
	}
	status := map[string]string{}
	if statuses != nil && len(keys) > 0 {
		if status, err = statuses(ctx, keys); err != nil {
			return nil, fmt.Errorf("trace: pick %s: lot statuses: %w", req.GTIN, err)
		}
	}
	quarantined := map[int64]bool{}
	lots, err := s.lotsByID(ctx, stockIDs(stock))
	if err != nil {
		return nil, err
	}
	for id, l := range lots {
		quarantined[id] = l.Quarantined
	}
	slices.SortStableFunc(stock, func(a, b Stock) int {
		switch {
		case a.Expiry.IsZero() != b.Expiry.IsZero():
			if a.Expiry.IsZero() {
				return 1
			}
			return -1
		}
		return cmp.Or(a.Expiry.Compare(b.Expiry), cmp.Compare(a.Code, b.Code), cmp.Compare(a.Location, b.Location))
	})
	p := &Pick{}
	need := req.Quantity
	for _, st := range stock {
		reason := ""
		left := 0
		if !st.Expiry.IsZero() {
			left = daysLeft(st.Expiry, at)
		}
		switch {
		case status[st.Key] != "" && status[st.Key] != "released":
			reason = status[st.Key]
		case quarantined[st.lotID]:
			reason = "quarantined"
		case !st.Expiry.IsZero() && left < 0:
			reason = "expired"
		case !st.Expiry.IsZero() && left < minDays:
			reason = fmt.Sprintf("%d days of shelf life left, customer accepts %d or more", left, minDays)
		}
		if reason != "" {
			p.Skipped = append(p.Skipped, Skip{Stock: st, Reason: reason})
			continue
		}
		if need <= epsilon {
			break
		}
		take := min(need, st.Quantity)
		p.Lines = append(p.Lines, PickLine{Stock: st, Take: take, DaysLeft: left})
		need -= take
	}
	if need > epsilon {
		p.Short = need
	}
	return p, nil
}

func stockIDs(stock []Stock) []int64 {
	ids := make([]int64, 0, len(stock))
	for _, st := range stock {
		if !slices.Contains(ids, st.lotID) {
			ids = append(ids, st.lotID)
		}
	}
	return ids
}

// NearExpiry is stock of a lot that expires within a bucket of days.
type NearExpiry struct {
	Stock
	DaysLeft int `json:"days_left"`
	Bucket   int `json:"bucket"` // the smallest bucket (in days) DaysLeft fits in
}

// DefaultExpiryBuckets are the near-expiry alert buckets in days.
var DefaultExpiryBuckets = []int{30, 60, 90}

// NearExpiryStock lists stock on hand whose lot expires within the largest bucket
// of days from at and has not expired, soonest first.
func (s *Store) NearExpiryStock(ctx context.Context, at time.Time, buckets []int) ([]NearExpiry, error) {
	if len(buckets) == 0 {
		buckets = DefaultExpiryBuckets
	}
	b := slices.Clone(buckets)
	slices.Sort(b)
	if b[0] < 0 {
		return nil, invalid("near-expiry buckets %v: want days ≥ 0", buckets)
	}
	horizon := day(at.AddDate(0, 0, b[len(b)-1]))
	today := day(at)
	rows, err := s.rq().query(ctx, `SELECT id FROM tr_lots WHERE expiry IS NOT NULL AND expiry >= ? AND expiry <= ?`, today.Int64, horizon.Int64)
	if err != nil {
		return nil, fmt.Errorf("trace: near expiry: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("trace: near expiry: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) == 0 {
		return nil, nil
	}
	stock, err := s.stockOf(ctx, ids, "", time.Time{})
	if err != nil {
		return nil, err
	}
	out := make([]NearExpiry, 0, len(stock))
	for _, st := range stock {
		left := daysLeft(st.Expiry, at)
		i, _ := slices.BinarySearch(b, left)
		out = append(out, NearExpiry{Stock: st, DaysLeft: left, Bucket: b[i]})
	}
	slices.SortStableFunc(out, func(a, b NearExpiry) int { return cmp.Compare(a.DaysLeft, b.DaysLeft) })
	return out, nil
}

// ExpiryLoss is stock lost to expiry in a month, per product and site.
type ExpiryLoss struct {
	GTIN        string  `json:"gtin"`
	Description string  `json:"description"`
	Site        string  `json:"site"`
	Lots        int     `json:"lots"`
	Quantity    float64 `json:"quantity"`
	Unit        string  `json:"unit"`
	// Value is Quantity at the product's unit value when Unit is the product's unit;
	// Valued says whether it could be.
	Value    float64 `json:"value"`
	Currency string  `json:"currency,omitempty"`
	Valued   bool    `json:"valued"`
}

// ExpiryLosses reports, for the calendar month (UTC) containing month, the stock on
// hand at the end of each lot's expiry day for lots expiring that month.
func (s *Store) ExpiryLosses(ctx context.Context, month time.Time) ([]ExpiryLoss, error) {
	y, m, _ := month.UTC().Date()
	first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	next := first.AddDate(0, 1, 0)
	rows, err := s.rq().query(ctx, `SELECT id, expiry FROM tr_lots WHERE expiry >= ? AND expiry < ?`, day(first).Int64, day(next).Int64)
	if err != nil {
		return nil, fmt.Errorf("trace: expiry losses: %w", err)
	}
	type lotExp struct {
		id  int64
		exp sql.NullInt64
	}
	var lots []lotExp
	for rows.Next() {
		var l lotExp
		if err := rows.Scan(&l.id, &l.exp); err != nil {
			rows.Close()
			return nil, fmt.Errorf("trace: expiry losses: %w", err)
		}
		lots = append(lots, l)
	}
	rows.Close()
	type key struct{ gtin, site, unit string }
	sums := map[key]*ExpiryLoss{}
	counted := map[key]map[int64]bool{}
	for _, l := range lots {
		// Stock at the end of the expiry day, whatever moved afterwards.
		st, err := s.stockOf(ctx, []int64{l.id}, "", fromDay(l.exp).AddDate(0, 0, 1))
		if err != nil {
			return nil, err
		}
		for _, x := range st {
			k := key{x.GTIN, x.Site, x.Unit}
			if sums[k] == nil {
				sums[k] = &ExpiryLoss{GTIN: x.GTIN, Site: x.Site, Unit: x.Unit}
				counted[k] = map[int64]bool{}
			}
			sums[k].Quantity += x.Quantity
			counted[k][l.id] = true
		}
	}
	out := make([]ExpiryLoss, 0, len(sums))
	for k, e := range sums {
		e.Lots = len(counted[k])
		if p, err := s.Product(ctx, e.GTIN); err == nil {
			e.Description = p.Description
			if p.Unit == e.Unit && p.UnitValue > 0 {
				e.Value, e.Currency, e.Valued = e.Quantity*p.UnitValue, p.Currency, true
			}
		}
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b ExpiryLoss) int {
		return cmp.Or(cmp.Compare(a.GTIN, b.GTIN), cmp.Compare(a.Site, b.Site), cmp.Compare(a.Unit, b.Unit))
	})
	return out, nil
}
