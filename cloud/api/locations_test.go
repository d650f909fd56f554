package api

import (
	"net/http"
	"testing"

	"github.com/lotsense/lotsense/cloud/store"
)

func TestLocations(t *testing.T) {
	e := newEnv(t, Options{})
	var got []store.LocationState
	if res, _ := e.get("/api/locations", &got); res.StatusCode != http.StatusOK || len(got) != 0 {
		t.Fatalf("no readings: status %d, %v; want 200 and []", res.StatusCode, got)
	}
	id := e.lot("A1", "cold-room-1", 0)
	e.readings(id, 3)
	if res, _ := e.get("/api/locations", &got); res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if len(got) != 1 || got[0].Site != "plant-1" || got[0].Location != "cold-room-1" {
		t.Fatalf("locations %+v, want plant-1/cold-room-1", got)
	}
	l := got[0]
	if len(l.Latest) != 1 || l.Latest[0].Value != 4 || l.Latest[0].Sensor != "cr1-t1" || l.Latest[0].Unit == "" {
		t.Errorf("latest %+v, want cr1-t1 at 4 °C", l.Latest)
	}
	if len(l.Lots) != 1 || l.Lots[0].Key != lotKey("A1") {
		t.Errorf("lots %+v, want A1", l.Lots)
	}
}
