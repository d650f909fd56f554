package store

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

const (
	heldA = "(01)09506000134352(10)A-1"
	heldB = "(01)09506000134352(10)B-2"
	heldC = "(01)09506000134369(10)C-3"
)

// lotAt creates (or sees again) a lot at a site and returns its id.
func lotAt(t *testing.T, s *Store, key, site string, seen time.Time) (id int64) {
	t.Helper()
	write(t, s, func(ctx context.Context, tx *Tx) (err error) {
		id, err = tx.Lot(ctx, key, "09506000134352", key[len(key)-3:], site, "room-1", seen)
		return err
	})
	return id
}

func setStatus(t *testing.T, s *Store, id int64, to string, at time.Time) {
	t.Helper()
	write(t, s, func(ctx context.Context, tx *Tx) error {
		changed, err := tx.SetLotStatus(ctx, id, "", to, "test", "qa", at)
		if err == nil && !changed {
			t.Fatalf("lot %d already %s", id, to)
		}
		return err
	})
}

// holdLists returns the hold lists by site.
func holdLists(t *testing.T, s *Store) map[string]HoldList {
	t.Helper()
	lists, err := s.HoldLists(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]HoldList{}
	for i, l := range lists {
		if i > 0 && lists[i-1].Site >= l.Site {
			t.Fatalf("hold lists not ordered by site: %+v", lists)
		}
		out[l.Site] = l
	}
	return out
}

func checkList(t *testing.T, got map[string]HoldList, site string, lots ...string) HoldList {
	t.Helper()
	l, ok := got[site]
	if !ok || !slices.Equal(l.Lots, lots) || l.Version == 0 {
		t.Fatalf("hold list of %s: %+v (listed %v), want lots %q and a version", site, l, ok, lots)
	}
	return l
}

// A site's hold list holds exactly its lots that must not ship (on hold, rejected), sorted, and its version grows with
// every status change of its lots and with every held lot arriving or leaving; other
// sites' versions stay as they were.
func TestHoldListsFollowStatusAndSite(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	a, b := lotAt(t, s, heldA, "site-1", t0), lotAt(t, s, heldB, "site-1", t0)
	c := lotAt(t, s, heldC, "site-2", t0)
	if got := holdLists(t, s); len(got) != 0 {
		t.Fatalf("hold lists before any status change: %+v, want none", got)
	}

	setStatus(t, s, b, StatusOnHold, t0) // B before A: the list is sorted, not in hold order
	v1 := checkList(t, holdLists(t, s), "site-1", heldB).Version
	setStatus(t, s, a, StatusOnHold, t0)
	got := holdLists(t, s)
	v2 := checkList(t, got, "site-1", heldA, heldB).Version
	if v2 <= v1 || len(got) != 1 {
		t.Fatalf("after a second hold: %+v, want only site-1 with a version above %d", got, v1)
	}

	setStatus(t, s, c, StatusOnHold, t0)
	got = holdLists(t, s)
	checkList(t, got, "site-2", heldC)
	if got["site-1"].Version != v2 {
		t.Fatalf("site-1 version %d after a hold at site-2, want %d unchanged", got["site-1"].Version, v2)
	}
	// Rejected, the lot still must not ship: it stays listed, with a new version.
	setStatus(t, s, c, StatusRejected, t0)
	prev2 := got["site-2"].Version
	got = holdLists(t, s)
	if l := checkList(t, got, "site-2", heldC); l.Version <= prev2 {
		t.Fatalf("site-2 after its lot was rejected: %+v, want the lot and a version above %d", l, prev2)
	}
	setStatus(t, s, c, StatusReleased, t0) // released: site-2's list empties, its version grows
	prev2 = got["site-2"].Version
	got = holdLists(t, s)
	if l := got["site-2"]; len(l.Lots) != 0 || l.Version <= prev2 {
		t.Fatalf("site-2 after its lot was released: %+v, want no lots and a version above %d", l, prev2)
	}

	// Seen again at its site: nothing changes. Seen at site-2 later: it moves.
	lotAt(t, s, heldB, "site-1", t0.Add(time.Minute))
	if l := holdLists(t, s)["site-1"]; l.Version != v2 {
		t.Fatalf("site-1 version %d after a held lot was seen again there, want %d", l.Version, v2)
	}
	before := holdLists(t, s)
	lotAt(t, s, heldB, "site-2", t0.Add(2*time.Minute))
	got = holdLists(t, s)
	l1 := checkList(t, got, "site-1", heldA)
	l2 := checkList(t, got, "site-2", heldB)
	if l1.Version <= before["site-1"].Version || l2.Version <= before["site-2"].Version {
		t.Fatalf("versions after a held lot moved from site-1 to site-2: %d, %d; want above %d, %d",
			l1.Version, l2.Version, before["site-1"].Version, before["site-2"].Version)
	}
	// A released lot moving changes no list.
	setStatus(t, s, a, StatusReleased, t0)
	before = holdLists(t, s)
	lotAt(t, s, heldA, "site-2", t0.Add(3*time.Minute))
	if got := holdLists(t, s); got["site-1"].Version != before["site-1"].Version || got["site-2"].Version != before["site-2"].Version {
		t.Fatalf("versions after a released lot moved: %+v, want %+v", got, before)
	}
}

// A database of schema 3 upgrades with each site's version at the newest status change
// of its lots, so versions keep growing from there.
func TestUpgradeFromSchema3SeedsHoldVersions(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	t0 := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	old, err := open(ctx, path, 3)
	if err != nil {
		t.Fatal(err)
	}
	a, b := lotAt(t, old, heldA, "site-1", t0), lotAt(t, old, heldB, "site-1", t0)
	// Schema 3 has no hold_versions: change statuses the way that code did.
	for _, q := range []struct {
		lot int64
		to  string
	}{{a, StatusOnHold}, {b, StatusOnHold}, {a, StatusReleased}} {
		if _, err := old.w.ExecContext(ctx, `UPDATE lots SET status = ? WHERE id = ?`, q.to, q.lot); err != nil {
			t.Fatal(err)
		}
		if _, err := old.w.ExecContext(ctx, `INSERT INTO lot_status_history (lot_id, at, from_status, to_status, reason, actor) VALUES (?, 0, '', ?, '', '')`, q.lot, q.to); err != nil {
			t.Fatal(err)
		}
	}
	var newest uint64
	if err := old.r.QueryRowContext(ctx, `SELECT max(id) FROM lot_status_history`).Scan(&newest); err != nil || newest != 3 {
		t.Fatalf("newest history id %d (%v), want 3", newest, err)
	}
	old.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer s.Close()
	if l := checkList(t, holdLists(t, s), "site-1", heldB); l.Version != newest {
		t.Fatalf("site-1 version after the upgrade: %d, want %d", l.Version, newest)
	}
	setStatus(t, s, a, StatusOnHold, t0)
	if l := checkList(t, holdLists(t, s), "site-1", heldA, heldB); l.Version <= newest {
		t.Fatalf("site-1 version after a hold: %d, want above %d", l.Version, newest)
	}
}
