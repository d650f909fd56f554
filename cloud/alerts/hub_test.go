package alerts

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
)

func TestHubDeliversToEverySubscriberAndDropsTheSlowOne(t *testing.T) {
	h := NewHub(2)
	fast, cancelFast := h.Subscribe()
	defer cancelFast()
	slow, cancelSlow := h.Subscribe()
	defer cancelSlow()
	wake, cancelWake := h.Listen()
	defer cancelWake()
	for id := int64(1); id <= 2; id++ {
		h.Publish(store.AlertEvent{ID: id})
		if e := <-fast; e.ID != id {
			t.Fatalf("fast subscriber got event %d, want %d", e.ID, id)
		}
	}
	h.Publish(store.AlertEvent{ID: 3}) // slow holds 2 already: it is dropped, not waited for
	if e := <-fast; e.ID != 3 {
		t.Fatalf("fast subscriber got event %d, want 3", e.ID)
	}
	var got []int64
	for e := range slow { // closed after its buffered events
		got = append(got, e.ID)
	}
	if len(got) != 2 || got[0] != 1 || got[1] != 2 || h.Subscribers() != 1 {
		t.Fatalf("slow subscriber got %v and %d subscribers remain; want [1 2], closed, 1 left", got, h.Subscribers())
	}
	cancelSlow() // cancelling a dropped subscription is harmless
	// Three publications collapse into one pending signal; the listener is never dropped.
	select {
	case <-wake:
	default:
		t.Fatal("listener not signalled")
	}
	select {
	case <-wake:
		t.Fatal("a second signal was pending")
	default:
	}
}

// Follow publishes what the store committed after its start point, in order, as soon
// as it is woken, and only once.
func TestFollowPublishesCommittedEvents(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	raise := func(kind string) store.AlertEvent {
		t.Helper()
		tx, err := st.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		ev, err := tx.RaiseAlert(ctx, &store.Alert{Kind: kind, Severity: store.SeverityWarning, Site: "site-1", Message: kind}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	before := raise("before")
	h := NewHub(16)
	st.OnAlertEvents(h.Wake)
	sub, unsub := h.Subscribe()
	defer unsub()
	done := make(chan error, 1)
	// A poll period far beyond the test: only Wake can make it publish in time.
	go func() {
		done <- h.Follow(ctx, st, FollowOptions{After: before.ID, Every: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	}()
	want := []store.AlertEvent{raise("one"), raise("two")}
	for _, w := range want {
		select {
		case got := <-sub:
			if got.ID != w.ID || got.Alert.Kind != w.Alert.Kind || got.Action != store.ActionOpened {
				t.Fatalf("published %+v, want event %d (%s opened)", got, w.ID, w.Alert.Kind)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("event %d not published", w.ID)
		}
	}
	h.Wake() // nothing new: nothing published again
	select {
	case got := <-sub:
		t.Fatalf("published %+v again", got)
	case <-time.After(100 * time.Millisecond):
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
