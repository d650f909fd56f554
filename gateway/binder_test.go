package gateway

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestBinderPresence(t *testing.T) {
	b := NewBinder(map[string][]string{"room": {"L1"}})
	b.Arrive("room", "tag-1", []string{"L2", "L1"})
	b.Arrive("room", "tag-2", []string{"L3"})
	b.Arrive("truck", "tag-3", []string{"L3"})
	b.Arrive("room", "tag-x", nil) // a tag with no lots changes nothing
	if got := b.LotsAt("room"); !slices.Equal(got, []string{"L1", "L2", "L3"}) {
		t.Fatalf("room: %v", got)
	}
	old := b.LotsAt("room")
	b.Depart("tag-2")
	if got := b.LotsAt("room"); !slices.Equal(got, []string{"L1", "L2"}) {
		t.Fatalf("after tag-2 left: %v", got)
	}
	if !slices.Equal(old, []string{"L1", "L2", "L3"}) {
		t.Fatalf("a slice handed out earlier changed: %v", old)
	}
	// A tag is in one place: arriving in the room takes it out of the truck.
	b.Arrive("room", "tag-3", []string{"L3"})
	if got := b.LotsAt("truck"); got != nil || b.TagsAt("room") != 2 {
		t.Fatalf("truck %v, room tags %d", got, b.TagsAt("room"))
	}
	// Standing lots stay when the tags of the same lot leave.
	b.Depart("tag-1")
	b.Depart("tag-3")
	if got := b.LotsAt("room"); !slices.Equal(got, []string{"L1"}) {
		t.Fatalf("standing lot lost: %v", got)
	}
}

func TestBinderSaveLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "presence.json")
	b := NewBinder(nil)
	if err := b.Load(path, func(string) bool { return true }); err != nil {
		t.Fatalf("missing file: %v", err)
	}
	b.Arrive("room", "tag-1", []string{"L2"})
	b.Arrive("gone", "tag-2", []string{"L9"})
	b.Adjust("room", "L5", 4)
	if err := b.Save(path); err != nil {
		t.Fatal(err)
	}
	c := NewBinder(map[string][]string{"room": {"L1"}})
	if err := c.Load(path, func(loc string) bool { return loc == "room" }); err != nil {
		t.Fatal(err)
	}
	if got := c.LotsAt("room"); !slices.Equal(got, []string{"L1", "L2", "L5"}) {
		t.Fatalf("after load: %v", got)
	}
	if got := c.LotsAt("gone"); got != nil {
		t.Fatalf("a location no longer configured came back: %v", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
	if err := os.WriteFile(path, []byte("{half"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := NewBinder(nil).Load(path, func(string) bool { return true }); err == nil {
		t.Fatal("a corrupt presence file loaded without error")
	}
}

func TestBinderCounts(t *testing.T) {
	b := NewBinder(nil)
	b.Adjust("room", "L1", -1) // nothing to take: stays absent
	if got := b.LotsAt("room"); got != nil {
		t.Fatalf("%v", got)
	}
	b.Adjust("room", "L1", 3)
	b.Adjust("truck", "L2", 1)
	if got := b.CountedAt("L1"); !slices.Equal(got, []string{"room"}) {
		t.Fatalf("CountedAt(L1) = %v", got)
	}
	b.Arrive("room", "tag-1", []string{"L1"})
	b.Adjust("room", "L1", -2)
	if got := b.LotsAt("room"); !slices.Equal(got, []string{"L1"}) {
		t.Fatalf("after taking 2 of 3: %v", got)
	}
	b.Adjust("room", "L1", -5)
	b.Depart("tag-1")
	if got := b.LotsAt("room"); got != nil {
		t.Fatalf("all taken and the tag gone: %v", got)
	}
}
