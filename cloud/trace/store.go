package trace

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lotsense/lotsense/drivers/gs1"
)

// ErrNotFound is returned for a product, location, lot or event that is not recorded.
var ErrNotFound = errors.New("not found")

// ErrInvalid wraps every refusal of bad input (a malformed GTIN, an event without
// lots…); the message says what and where.
var ErrInvalid = errors.New("invalid")

// Store is the traceability record in one SQL database.
type Store struct {
	w, r *sql.DB // the same pool on PostgreSQL
	d    Dialect
	now  func() time.Time
}

// Open opens the record at dsn (an SQLite file path, or a postgres:// URL) and
// migrates it to the current schema.
func Open(ctx context.Context, dsn string) (*Store, error) {
	w, r, d, err := openDB(ctx, dsn)
	if err != nil {
		return nil, err
	}
	s := &Store{w: w, r: r, d: d, now: time.Now}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Dialect tells which database the record is in.
func (s *Store) Dialect() Dialect { return s.d }

// Close closes the database.
func (s *Store) Close() error {
	if s.r != s.w {
		return errors.Join(s.r.Close(), s.w.Close())
	}
	return s.w.Close()
}

// q is a query helper bound to one pool or transaction and the dialect.
type q struct {
	db interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	}
	d Dialect
}

func (x q) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return x.db.ExecContext(ctx, x.d.rebind(query), args...)
}

func (x q) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return x.db.QueryContext(ctx, x.d.rebind(query), args...)
}

func (x q) row(ctx context.Context, query string, args ...any) *sql.Row {
	return x.db.QueryRowContext(ctx, x.d.rebind(query), args...)
}

func (s *Store) rq() q { return q{s.r, s.d} }
func (s *Store) wq() q { return q{s.w, s.d} }

// inTx runs fn in a write transaction and commits it.
func (s *Store) inTx(ctx context.Context, fn func(q) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("trace: begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(q{tx, s.d}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("trace: commit: %w", err)
	}
	return nil
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// day is a civil date as days since 1970-01-01, NULL for the zero time.
func day(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	y, m, d := t.Date()
	return sql.NullInt64{Int64: time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400, Valid: true}
}

func fromDay(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(n.Int64*86400, 0).UTC()
}

func nullMicros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: micros(t), Valid: true}
}

func fromNullMicros(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromMicros(n.Int64)
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("trace: "+format+": %w", append(args, ErrInvalid)...)
}

// PutProduct creates or replaces a product.
func (s *Store) PutProduct(ctx context.Context, p *Product) error {
	if err := gs1.ValidGTIN(p.GTIN); err != nil {
		return invalid("product %q: %v", p.GTIN, err)
	}
	if p.CompanyPrefixLength != 0 && (p.CompanyPrefixLength < 6 || p.CompanyPrefixLength > 12) {
		return invalid("product %s: company prefix length %d, want 6 to 12", p.GTIN, p.CompanyPrefixLength)
	}
	if p.ShelfLifeDays < 0 || p.UnitValue < 0 {
		return invalid("product %s: negative shelf life or unit value", p.GTIN)
	}
	_, err := s.wq().exec(ctx, `
INSERT INTO tr_products (gtin, description, prefix_len, profile, shelf_life_days, unit, unit_value, currency)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (gtin) DO UPDATE SET description = excluded.description, prefix_len = excluded.prefix_len,
	profile = excluded.profile, shelf_life_days = excluded.shelf_life_days, unit = excluded.unit,
	unit_value = excluded.unit_value, currency = excluded.currency`,
		p.GTIN, p.Description, p.CompanyPrefixLength, p.Profile, p.ShelfLifeDays, p.Unit, p.UnitValue, p.Currency)
	if err != nil {
		return fmt.Errorf("trace: put product %s: %w", p.GTIN, err)
	}
	return nil
}

// Product returns the product with gtin, or ErrNotFound.
func (s *Store) Product(ctx context.Context, gtin string) (Product, error) {
	var p Product
	err := s.rq().row(ctx, `SELECT gtin, description, prefix_len, profile, shelf_life_days, unit, unit_value, currency
FROM tr_products WHERE gtin = ?`, gtin).Scan(&p.GTIN, &p.Description, &p.CompanyPrefixLength, &p.Profile,
		&p.ShelfLifeDays, &p.Unit, &p.UnitValue, &p.Currency)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("trace: product %s: %w", gtin, ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("trace: product %s: %w", gtin, err)
	}
	return p, nil
}

// Products lists every product by GTIN.
func (s *Store) Products(ctx context.Context) ([]Product, error) {
	rows, err := s.rq().query(ctx, `SELECT gtin, description, prefix_len, profile, shelf_life_days, unit, unit_value, currency
FROM tr_products ORDER BY gtin`)
	if err != nil {
		return nil, fmt.Errorf("trace: products: %w", err)
	}
	defer rows.Close()
	var out []Product
	for rows.Next() {
		var p Product
		if err := rows.Scan(&p.GTIN, &p.Description, &p.CompanyPrefixLength, &p.Profile, &p.ShelfLifeDays, &p.Unit, &p.UnitValue, &p.Currency); err != nil {
			return nil, fmt.Errorf("trace: products: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

var locationKinds = []string{KindSite, KindDoor, KindRoom, KindTruck, KindCustomer, KindSupplier}

// PutLocation creates or replaces a place or party.
func (s *Store) PutLocation(ctx context.Context, l *Location) error {
	if err := gs1.ValidGLN(l.GLN); err != nil {
		return invalid("location %q: %v", l.GLN, err)
	}
	ok := false
	for _, k := range locationKinds {
		ok = ok || l.Kind == k
	}
	if !ok {
		return invalid("location %s: kind %q, want one of %s", l.GLN, l.Kind, strings.Join(locationKinds, ", "))
	}
	if l.Parent != "" {
		if err := gs1.ValidGLN(l.Parent); err != nil {
			return invalid("location %s: parent %q: %v", l.GLN, l.Parent, err)
		}
	}
	if l.MinShelfLifeDays < 0 {
		return invalid("location %s: negative minimum shelf life", l.GLN)
	}
	a := l.Address
	_, err := s.wq().exec(ctx, `
INSERT INTO tr_locations (gln, kind, name, site, loc_key, parent, street, city, region, postal_code, country, min_shelf_life_days)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (gln) DO UPDATE SET kind = excluded.kind, name = excluded.name, site = excluded.site,
	loc_key = excluded.loc_key, parent = excluded.parent, street = excluded.street, city = excluded.city,
	region = excluded.region, postal_code = excluded.postal_code, country = excluded.country,
	min_shelf_life_days = excluded.min_shelf_life_days`,
		l.GLN, l.Kind, l.Name, l.Site, l.Key, l.Parent, a.Street, a.City, a.Region, a.PostalCode, a.Country, l.MinShelfLifeDays)
	if err != nil {
		return fmt.Errorf("trace: put location %s: %w", l.GLN, err)
	}
	return nil
}

const locationColumns = `gln, kind, name, site, loc_key, parent, street, city, region, postal_code, country, min_shelf_life_days`

func scanLocation(sc interface{ Scan(...any) error }) (Location, error) {
	var l Location
	a := &l.Address
	err := sc.Scan(&l.GLN, &l.Kind, &l.Name, &l.Site, &l.Key, &l.Parent, &a.Street, &a.City, &a.Region, &a.PostalCode, &a.Country, &l.MinShelfLifeDays)
	return l, err
}

// Location returns the place or party with gln, or ErrNotFound.
func (s *Store) Location(ctx context.Context, gln string) (Location, error) {
	l, err := scanLocation(s.rq().row(ctx, `SELECT `+locationColumns+` FROM tr_locations WHERE gln = ?`, gln))
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("trace: location %s: %w", gln, ErrNotFound)
	}
	if err != nil {
		return l, fmt.Errorf("trace: location %s: %w", gln, err)
	}
	return l, nil
}

// LocationByKey returns the place a gateway of site calls key, or ErrNotFound.
func (s *Store) LocationByKey(ctx context.Context, site, key string) (Location, error) {
	l, err := scanLocation(s.rq().row(ctx, `SELECT `+locationColumns+` FROM tr_locations WHERE site = ? AND loc_key = ? ORDER BY gln LIMIT 1`, site, key))
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("trace: location %s/%s: %w", site, key, ErrNotFound)
	}
	if err != nil {
		return l, fmt.Errorf("trace: location %s/%s: %w", site, key, err)
	}
	return l, nil
}

// Locations lists every place and party by GLN.
func (s *Store) Locations(ctx context.Context) ([]Location, error) {
	rows, err := s.rq().query(ctx, `SELECT `+locationColumns+` FROM tr_locations ORDER BY gln`)
	if err != nil {
		return nil, fmt.Errorf("trace: locations: %w", err)
	}
	defer rows.Close()
	var out []Location
	for rows.Next() {
		l, err := scanLocation(rows)
		if err != nil {
			return nil, fmt.Errorf("trace: locations: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func checkLot(gtin, code string) error {
	if err := gs1.ValidGTIN(gtin); err != nil {
		return invalid("lot %s/%s: %v", gtin, code, err)
	}
	if err := gs1.ValidLot(code); err != nil {
		return invalid("lot %s/%s: %v", gtin, code, err)
	}
	return nil
}

// PutLot creates a lot or updates what is known of it: a field given (non-zero)
// replaces the recorded one, a field left zero keeps it.
func (s *Store) PutLot(ctx context.Context, l *Lot) error {
	if err := checkLot(l.GTIN, l.Code); err != nil {
		return err
	}
	if l.Quantity < 0 {
		return invalid("lot %s/%s: negative quantity %g", l.GTIN, l.Code, l.Quantity)
	}
	return s.inTx(ctx, func(x q) error {
		_, err := putLot(ctx, x, l)
		return err
	})
}

// putLot upserts l (see PutLot) and returns its id.
func putLot(ctx context.Context, x q, l *Lot) (int64, error) {
	var id int64
	quarantined := 0
	if l.Quarantined {
		quarantined = 1
	}
	err := x.row(ctx, `
INSERT INTO tr_lots (gtin, code, produced, packed, expiry, quantity, unit, tlc_source, tlc_source_ref, tlc_assigned, quarantined)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (gtin, code) DO UPDATE SET
	produced = COALESCE(excluded.produced, tr_lots.produced),
	packed = COALESCE(excluded.packed, tr_lots.packed),
	expiry = COALESCE(excluded.expiry, tr_lots.expiry),
	quantity = CASE WHEN excluded.quantity <> 0 THEN excluded.quantity ELSE tr_lots.quantity END,
	unit = CASE WHEN excluded.unit <> '' THEN excluded.unit ELSE tr_lots.unit END,
	tlc_source = CASE WHEN excluded.tlc_source <> '' THEN excluded.tlc_source ELSE tr_lots.tlc_source END,
	tlc_source_ref = CASE WHEN excluded.tlc_source_ref <> '' THEN excluded.tlc_source_ref ELSE tr_lots.tlc_source_ref END,
	tlc_assigned = COALESCE(excluded.tlc_assigned, tr_lots.tlc_assigned),
	quarantined = CASE WHEN excluded.quarantined <> 0 THEN 1 ELSE tr_lots.quarantined END
RETURNING id`,
		l.GTIN, l.Code, day(l.Produced), day(l.Packed), day(l.Expiry), l.Quantity, l.Unit,
		l.TLCSource, l.TLCSourceRef, nullMicros(l.TLCAssigned), quarantined).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("trace: put lot %s/%s: %w", l.GTIN, l.Code, err)
	}
	return id, nil
}

// SetQuarantine puts a lot in quarantine or releases it from quarantine.
func (s *Store) SetQuarantine(ctx context.Context, gtin, code string, on bool) error {
	v := 0
	if on {
		v = 1
	}
	res, err := s.wq().exec(ctx, `UPDATE tr_lots SET quarantined = ? WHERE gtin = ? AND code = ?`, v, gtin, code)
	if err != nil {
		return fmt.Errorf("trace: quarantine %s/%s: %w", gtin, code, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("trace: quarantine %s/%s: %w", gtin, code, ErrNotFound)
	}
	return nil
}

const lotColumns = `id, gtin, code, produced, packed, expiry, quantity, unit, tlc_source, tlc_source_ref, tlc_assigned, quarantined`

func scanLot(sc interface{ Scan(...any) error }) (int64, Lot, error) {
	var (
		id                    int64
		l                     Lot
		produced, packed, exp sql.NullInt64
		assigned              sql.NullInt64
		quarantined           int
	)
	err := sc.Scan(&id, &l.GTIN, &l.Code, &produced, &packed, &exp, &l.Quantity, &l.Unit, &l.TLCSource, &l.TLCSourceRef, &assigned, &quarantined)
	l.Produced, l.Packed, l.Expiry = fromDay(produced), fromDay(packed), fromDay(exp)
	l.TLCAssigned = fromNullMicros(assigned)
	l.Quarantined = quarantined != 0
	return id, l, err
}

// Lot returns the lot gtin/code, or ErrNotFound.
func (s *Store) Lot(ctx context.Context, gtin, code string) (Lot, error) {
	_, l, err := scanLot(s.rq().row(ctx, `SELECT `+lotColumns+` FROM tr_lots WHERE gtin = ? AND code = ?`, gtin, code))
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("trace: lot %s/%s: %w", gtin, code, ErrNotFound)
	}
	if err != nil {
		return l, fmt.Errorf("trace: lot %s/%s: %w", gtin, code, err)
	}
	return l, nil
}

// LotsOfEPC returns the lots an instance (an SGTIN or SSCC URI) belongs to.
func (s *Store) LotsOfEPC(ctx context.Context, epc string) ([]Lot, error) {
	rows, err := s.rq().query(ctx, `SELECT `+prefixed("l.", lotColumns)+` FROM tr_epc_lots e JOIN tr_lots l ON l.id = e.lot_id
WHERE e.epc = ? ORDER BY l.gtin, l.code`, epc)
	if err != nil {
		return nil, fmt.Errorf("trace: lots of %s: %w", epc, err)
	}
	defer rows.Close()
	var out []Lot
	for rows.Next() {
		_, l, err := scanLot(rows)
		if err != nil {
			return nil, fmt.Errorf("trace: lots of %s: %w", epc, err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// AssociateEPC records that the instance epc belongs to lot gtin/code (creating the
// lot if it is unknown).
func (s *Store) AssociateEPC(ctx context.Context, epc, gtin, code string) error {
	if err := checkLot(gtin, code); err != nil {
		return err
	}
	if epc == "" {
		return invalid("associate with lot %s/%s: empty EPC", gtin, code)
	}
	return s.inTx(ctx, func(x q) error {
		id, err := putLot(ctx, x, &Lot{GTIN: gtin, Code: code})
		if err != nil {
			return err
		}
		if _, err := x.exec(ctx, `INSERT INTO tr_epc_lots (epc, lot_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, epc, id); err != nil {
			return fmt.Errorf("trace: associate %s with %s/%s: %w", epc, gtin, code, err)
		}
		return nil
	})
}

// prefixed qualifies each of a comma-separated column list with p.
func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// LotsOn returns the lots on a pallet (its SSCC URI) now: lots aggregated onto it by
// quantity and the lots of the instances (cases) aggregated onto it.
func (s *Store) LotsOn(ctx context.Context, parent string) ([]Lot, error) {
	rows, err := s.rq().query(ctx, `SELECT child FROM tr_contents WHERE parent = ? ORDER BY child`, parent)
	if err != nil {
		return nil, fmt.Errorf("trace: lots on %s: %w", parent, err)
	}
	var children []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, fmt.Errorf("trace: lots on %s: %w", parent, err)
		}
		children = append(children, c)
	}
	rows.Close()
	seen := map[string]bool{}
	var out []Lot
	for _, c := range children {
		var lots []Lot
		if gtin, code, err := gs1.ParseLotKey(c); err == nil {
			l, err := s.Lot(ctx, gtin, code)
			if err != nil {
				return nil, err
			}
			lots = []Lot{l}
		} else if lots, err = s.LotsOfEPC(ctx, c); err != nil {
			return nil, err
		}
		for _, l := range lots {
			if !seen[l.Key()] {
				seen[l.Key()] = true
				out = append(out, l)
			}
		}
	}
	return out, nil
}

// SiteLocation returns the registered place of kind site for a lotsense site id, or
// ErrNotFound.
func (s *Store) SiteLocation(ctx context.Context, site string) (Location, error) {
	l, err := scanLocation(s.rq().row(ctx, `SELECT `+locationColumns+` FROM tr_locations WHERE site = ? AND kind = ? ORDER BY gln LIMIT 1`, site, KindSite))
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("trace: site %s: %w", site, ErrNotFound)
	}
	if err != nil {
		return l, fmt.Errorf("trace: site %s: %w", site, err)
	}
	return l, nil
}
