package api

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
)

// A lot's excursions carry the rules engine's evidence, retracted ones included.
func TestLotDetailExcursionEvidence(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.lot("A1", "cold-room-1", 0)
	mkt := 8.3
	end, retracted := t0.Add(time.Hour), t0.Add(2*time.Hour)
	e.write(func(ctx context.Context, tx *store.Tx) error {
		if err := tx.SaveExcursion(ctx, &store.Excursion{LotID: id, Ref: "cumulative_high@2026-03-02T08:00:00Z", Profile: "pharma-2-8",
			Rule: "cumulative_high", Kind: "cumulative_high", Severity: store.SeverityCritical, Site: "plant-1", Location: "cold-room-1",
			Sensor: "gw-2/t1", Locations: []string{"truck-1", "cold-room-1"}, Sensors: []string{"gw-1/t9", "gw-2/t1"},
			Began: t0, Detected: t0.Add(41 * time.Minute), Peak: 9.5, Limit: 8, DelaySeconds: 2400, BeyondSeconds: 2700,
			UnknownSeconds: 30, MKT: &mkt}); err != nil {
			return err
		}
		return tx.SaveExcursion(ctx, &store.Excursion{LotID: id, Ref: "high@2026-03-02T09:00:00Z", Rule: "high", Kind: "high",
			Severity: store.SeverityCritical, Site: "plant-1", Began: end, Detected: end, Ended: &retracted, Retracted: &retracted,
			RetractNote: "late readings showed it was not confirmed"})
	})
	var d struct {
		Excursions []map[string]any `json:"excursions"`
	}
	e.get(lotPath(lotKey("A1")), &d)
	if len(d.Excursions) != 2 {
		t.Fatalf("excursions %+v", d.Excursions)
	}
	got, _ := json.Marshal(d.Excursions[1])
	var x struct {
		Ref            string   `json:"ref"`
		Kind           string   `json:"kind"`
		Severity       string   `json:"severity"`
		Profile        string   `json:"profile"`
		Detected       string   `json:"detected"`
		BeyondSeconds  float64  `json:"beyond_seconds"`
		UnknownSeconds float64  `json:"unknown_seconds"`
		DelaySeconds   float64  `json:"delay_seconds"`
		MKT            *float64 `json:"mkt"`
		Locations      []string `json:"locations"`
		Sensors        []string `json:"sensors"`
		Retracted      *string  `json:"retracted"`
	}
	if err := json.Unmarshal(got, &x); err != nil {
		t.Fatal(err)
	}
	if x.Ref != "cumulative_high@2026-03-02T08:00:00Z" || x.Kind != "cumulative_high" || x.Severity != "critical" ||
		x.Profile != "pharma-2-8" || x.Detected != "2026-03-02T08:41:00Z" || x.BeyondSeconds != 2700 || x.UnknownSeconds != 30 ||
		x.DelaySeconds != 2400 || x.MKT == nil || *x.MKT != 8.3 || len(x.Locations) != 2 || x.Locations[0] != "truck-1" ||
		len(x.Sensors) != 2 || x.Retracted != nil {
		t.Errorf("excursion JSON %s", got)
	}
	if r := d.Excursions[0]; r["retracted"] != "2026-03-02T10:00:00Z" || r["retract_note"] != "late readings showed it was not confirmed" {
		t.Errorf("retracted excursion JSON %v", r)
	}
}
