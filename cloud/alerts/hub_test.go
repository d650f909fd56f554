package alerts

import (
	"testing"

	"github.com/lotsense/lotsense/cloud/store"
)

func TestHubDeliversToEverySubscriberAndDropsTheSlowOne(t *testing.T) {
	h := NewHub(2)
	fast, cancelFast := h.Subscribe()
	defer cancelFast()
	slow, cancelSlow := h.Subscribe()
	defer cancelSlow()
	for id := int64(1); id <= 2; id++ {
		h.Publish(store.Alert{ID: id})
		if a := <-fast; a.ID != id {
			t.Fatalf("fast subscriber got alert %d, want %d", a.ID, id)
		}
	}
	h.Publish(store.Alert{ID: 3}) // slow holds 2 already: it is dropped, not waited for
	if a := <-fast; a.ID != 3 {
		t.Fatalf("fast subscriber got alert %d, want 3", a.ID)
	}
	var got []int64
	for a := range slow { // closed after its buffered alerts
		got = append(got, a.ID)
	}
	if len(got) != 2 || got[0] != 1 || got[1] != 2 || h.Subscribers() != 1 {
		t.Fatalf("slow subscriber got %v and %d subscribers remain; want [1 2], closed, 1 left", got, h.Subscribers())
	}
	cancelSlow() // cancelling a dropped subscription is harmless
}
