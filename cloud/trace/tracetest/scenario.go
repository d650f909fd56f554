// Package tracetest records a hand-built supply-chain scenario into a trace.Store, so
// the traceability record and its exports (cloud/trace, cloud/fsma, cloud/epcis) are
// tested on the same known facts with exact expected answers.
//
// The scenario, at the ATL site (acme-atl) of a salad packer:
//
//	supplier Green Farms ships romaine lots R-L1 (100 kg) and R-L2 (80 kg) and
//	  spinach lot S-L1 (50 kg); ATL receives them into cold room 1 (PO 4501, BOL 77)
//	transformation in the packing room:
//	  R-L1 60 kg + S-L1 40 kg → salad lot 20261101-ATL-1-0001 (400 EA)
//	  R-L2 50 kg + S-L1 10 kg → salad lot 20261102-ATL-1-0001 (200 EA)
//	salad lot 20261115-ATL-2-0001 (100 EA) is packed from nothing we track (commissioning)
//	pallets: P1 200 EA and P2 200 EA of the first salad lot, P3 200 EA of the second
//	shipping: P1 (200 of lot 1) to FreshMart; 150 of lot 1 to Corner Grocer;
//	  120 of lot 2 to Metro Foods; 50 of lot 2 to FreshMart
//	romaine lot R-L2 had a temperature excursion in cold room 1 (the test's hold
//	  status says so: the scenario records the evidence as a sensor report)
//
// Stock is kept per site (see trace.Store.Record), so left on hand at the ATL site:
// R-L1 40 kg, R-L2 30 kg, salad lot 1 50 EA, salad lot 2 30 EA, salad lot 3 100 EA;
// S-L1 is used up.
package tracetest

import (
	"context"
	"fmt"
	"time"

	"github.com/lotsense/lotsense/cloud/trace"
	"github.com/lotsense/lotsense/drivers/gs1"
)

// Identifiers of the scenario.
const (
	Site = "acme-atl"

	SiteGLN     = "0614141000012" // the ATL site
	DockGLN     = "0614141000029" // dock door 1
	ColdRoomGLN = "0614141000036" // cold room 1
	PackingGLN  = "0614141000043" // packing room

	SupplierGLN  = "0810001000011" // Green Farms
	FreshMartGLN = "0950001000014" // customer
	CornerGLN    = "0950002000013" // customer, wants ≥ 20 days of shelf life
	MetroGLN     = "0950003000012" // customer

	RomaineGTIN = "10614142000018"
	SpinachGTIN = "10614142000025"
	SaladGTIN   = "10614141000019"

	RomaineL1 = "R-L1"
	RomaineL2 = "R-L2"
	SpinachL1 = "S-L1"
	Salad1    = "20261101-ATL-1-0001"
	Salad2    = "20261102-ATL-1-0001"
	Salad3    = "20261115-ATL-2-0001"

	Pallet1 = "urn:epc:id:sscc:0614141.1000000001"
	Pallet2 = "urn:epc:id:sscc:0614141.1000000002"
	Pallet3 = "urn:epc:id:sscc:0614141.1000000003"
)

// Key is gs1.LotKey, for brevity in tests.
func Key(gtin, lot string) string { return gs1.LotKey(gtin, lot) }

// Day is a date of the scenario at hh:00 UTC.
func Day(month time.Month, day, hh int) time.Time {
	return time.Date(2026, month, day, hh, 0, 0, 0, time.UTC)
}

// Events returns the scenario's events in the order they happened. Event ids are
// fixed (urn:uuid:…0001 onwards) so exports can be compared exactly.
func Events() []*trace.Event {
	kg := func(gtin, lot string, q float64) trace.LotQuantity {
		return trace.LotQuantity{GTIN: gtin, Lot: lot, Quantity: q, Unit: "KGM"}
	}
	ea := func(lot string, q float64) trace.LotQuantity {
		return trace.LotQuantity{GTIN: SaladGTIN, Lot: lot, Quantity: q, Unit: "EA"}
	}
	temp := func(v float64) *float64 { return &v }
	evs := []*trace.Event{
		{Type: trace.Receiving, Time: Day(11, 1, 6), BizStep: "receiving", Disposition: "in_progress", Action: trace.ActionObserve,
			Location: ColdRoomGLN, ReadPoint: DockGLN, ShipFrom: SupplierGLN, ShipTo: SiteGLN,
			Lots:      []trace.LotQuantity{kg(RomaineGTIN, RomaineL1, 100), kg(SpinachGTIN, SpinachL1, 50)},
			Documents: []trace.Document{{Type: "po", ID: "4501"}, {Type: "bol", ID: "77"}}},
		{Type: trace.Receiving, Time: Day(11, 2, 6), BizStep: "receiving", Disposition: "in_progress", Action: trace.ActionObserve,
			Location: ColdRoomGLN, ReadPoint: DockGLN, ShipFrom: SupplierGLN, ShipTo: SiteGLN,
			Lots:      []trace.LotQuantity{kg(RomaineGTIN, RomaineL2, 80)},
			Documents: []trace.Document{{Type: "po", ID: "4502"}, {Type: "bol", ID: "78"}},
			Sensors: []trace.SensorReport{{DeviceID: "urn:lotsense:sensor:acme-atl:cold-room-1-probe", Time: Day(11, 2, 5),
				Values: []trace.SensorReading{{Type: "Temperature", Min: temp(3.1), Max: temp(9.4), UOM: "CEL"}}}}},
		{Type: trace.Transformation, Time: Day(11, 1, 10), BizStep: "transforming", Disposition: "active",
			Location:  PackingGLN,
			Inputs:    []trace.LotQuantity{kg(RomaineGTIN, RomaineL1, 60), kg(SpinachGTIN, SpinachL1, 40)},
			Outputs:   []trace.LotQuantity{ea(Salad1, 400)},
			Documents: []trace.Document{{Type: "prodorder", ID: "WO-1101"}}},
		{Type: trace.Transformation, Time: Day(11, 2, 10), BizStep: "transforming", Disposition: "active",
			Location:  PackingGLN,
			Inputs:    []trace.LotQuantity{kg(RomaineGTIN, RomaineL2, 50), kg(SpinachGTIN, SpinachL1, 10)},
			Outputs:   []trace.LotQuantity{ea(Salad2, 200)},
			Documents: []trace.Document{{Type: "prodorder", ID: "WO-1102"}}},
		{Type: trace.Commissioning, Time: Day(11, 15, 9), BizStep: "commissioning", Disposition: "active", Action: trace.ActionAdd,
			Location: PackingGLN, Lots: []trace.LotQuantity{ea(Salad3, 100)}},
		{Type: trace.Aggregation, Time: Day(11, 3, 8), BizStep: "packing", Disposition: "in_progress", Action: trace.ActionAdd,
			Location: PackingGLN, Parent: Pallet1, Lots: []trace.LotQuantity{ea(Salad1, 200)}},
		{Type: trace.Aggregation, Time: Day(11, 3, 8), BizStep: "packing", Disposition: "in_progress", Action: trace.ActionAdd,
			Location: PackingGLN, Parent: Pallet2, Lots: []trace.LotQuantity{ea(Salad1, 200)}},
		{Type: trace.Aggregation, Time: Day(11, 3, 9), BizStep: "packing", Disposition: "in_progress", Action: trace.ActionAdd,
			Location: PackingGLN, Parent: Pallet3, Lots: []trace.LotQuantity{ea(Salad2, 200)}},
		{Type: trace.Shipping, Time: Day(11, 4, 7), BizStep: "shipping", Disposition: "in_transit", Action: trace.ActionObserve,
			Location: ColdRoomGLN, ReadPoint: DockGLN, ShipFrom: SiteGLN, ShipTo: FreshMartGLN,
			Lots: []trace.LotQuantity{ea(Salad1, 200)}, EPCs: []string{Pallet1},
			Documents: []trace.Document{{Type: "desadv", ID: "ASN-9001"}, {Type: "inv", ID: "INV-31"}}},
		{Type: trace.Shipping, Time: Day(11, 4, 9), BizStep: "shipping", Disposition: "in_transit", Action: trace.ActionObserve,
			Location: ColdRoomGLN, ReadPoint: DockGLN, ShipFrom: SiteGLN, ShipTo: CornerGLN,
			Lots:      []trace.LotQuantity{ea(Salad1, 150)},
			Documents: []trace.Document{{Type: "desadv", ID: "ASN-9002"}}},
		{Type: trace.Shipping, Time: Day(11, 5, 7), BizStep: "shipping", Disposition: "in_transit", Action: trace.ActionObserve,
			Location: ColdRoomGLN, ReadPoint: DockGLN, ShipFrom: SiteGLN, ShipTo: MetroGLN,
			Lots:      []trace.LotQuantity{ea(Salad2, 120)},
			Documents: []trace.Document{{Type: "desadv", ID: "ASN-9003"}}},
		{Type: trace.Shipping, Time: Day(11, 5, 11), BizStep: "shipping", Disposition: "in_transit", Action: trace.ActionObserve,
			Location: ColdRoomGLN, ReadPoint: DockGLN, ShipFrom: SiteGLN, ShipTo: FreshMartGLN,
			Lots:      []trace.LotQuantity{ea(Salad2, 50)},
			Documents: []trace.Document{{Type: "desadv", ID: "ASN-9004"}}},
	}
	for i, e := range evs {
		e.EventID = fmt.Sprintf("urn:uuid:6f1c0000-0000-4000-8000-%012d", i+1)
		e.Site = Site
		e.Source = "test:tracetest"
		e.TimeZone = "+00:00"
		e.Recorded = Day(11, 20, 12)
	}
	return evs
}

// Registry returns the scenario's products, places and parties.
func Registry() ([]trace.Product, []trace.Location) {
	products := []trace.Product{
		{GTIN: RomaineGTIN, Description: "Romaine lettuce, whole heads", CompanyPrefixLength: 7, Unit: "KGM", UnitValue: 2.5, Currency: "USD", ShelfLifeDays: 14},
		{GTIN: SpinachGTIN, Description: "Baby spinach", CompanyPrefixLength: 7, Unit: "KGM", UnitValue: 6, Currency: "USD", ShelfLifeDays: 10},
		{GTIN: SaladGTIN, Description: "Salad mix 250 g", CompanyPrefixLength: 7, Profile: "chilled-5", Unit: "EA", UnitValue: 3.2, Currency: "USD", ShelfLifeDays: 30},
	}
	atl := trace.Address{Street: "1 Packer Way", City: "Atlanta", Region: "GA", PostalCode: "30301", Country: "US"}
	places := []trace.Location{
		{GLN: SiteGLN, Kind: trace.KindSite, Name: "ACME Atlanta", Site: Site, Address: atl},
		{GLN: DockGLN, Kind: trace.KindDoor, Name: "Dock door 1", Site: Site, Key: "dock-1", Parent: SiteGLN, Address: atl},
		{GLN: ColdRoomGLN, Kind: trace.KindRoom, Name: "Cold room 1", Site: Site, Key: "cold-room-1", Parent: SiteGLN, Address: atl},
		{GLN: PackingGLN, Kind: trace.KindRoom, Name: "Packing room", Site: Site, Key: "packing", Parent: SiteGLN, Address: atl},
		{GLN: SupplierGLN, Kind: trace.KindSupplier, Name: "Green Farms",
			Address: trace.Address{Street: "Route 9", City: "Salinas", Region: "CA", PostalCode: "93901", Country: "US"}},
		{GLN: FreshMartGLN, Kind: trace.KindCustomer, Name: "FreshMart DC",
			Address: trace.Address{Street: "5 Market St", City: "Macon", Region: "GA", PostalCode: "31201", Country: "US"}},
		{GLN: CornerGLN, Kind: trace.KindCustomer, Name: "Corner Grocer", MinShelfLifeDays: 20,
			Address: trace.Address{Street: "12 Main St", City: "Athens", Region: "GA", PostalCode: "30601", Country: "US"}},
		{GLN: MetroGLN, Kind: trace.KindCustomer, Name: "Metro Foods",
			Address: trace.Address{Street: "400 Peachtree", City: "Atlanta", Region: "GA", PostalCode: "30308", Country: "US"}},
	}
	return products, places
}

// Lots returns what the registry knows of the scenario's lots beyond their events:
// dates.
func Lots() []trace.Lot {
	return []trace.Lot{
		{GTIN: RomaineGTIN, Code: RomaineL1, Produced: Day(10, 30, 0), Expiry: Day(11, 13, 0), TLCSource: SupplierGLN},
		{GTIN: RomaineGTIN, Code: RomaineL2, Produced: Day(10, 31, 0), Expiry: Day(11, 14, 0), TLCSource: SupplierGLN},
		{GTIN: SpinachGTIN, Code: SpinachL1, Produced: Day(10, 30, 0), Expiry: Day(11, 9, 0), TLCSource: SupplierGLN},
		{GTIN: SaladGTIN, Code: Salad1, Packed: Day(11, 1, 0), Expiry: Day(12, 10, 0), TLCSource: PackingGLN, TLCAssigned: Day(11, 1, 10)},
		{GTIN: SaladGTIN, Code: Salad2, Packed: Day(11, 2, 0), Expiry: Day(12, 5, 0), TLCSource: PackingGLN, TLCAssigned: Day(11, 2, 10)},
		{GTIN: SaladGTIN, Code: Salad3, Packed: Day(11, 15, 0), Expiry: Day(12, 20, 0), TLCSource: PackingGLN, TLCAssigned: Day(11, 15, 9)},
	}
}

// Record writes the whole scenario into s.
func Record(ctx context.Context, s *trace.Store) error {
	products, places := Registry()
	for i := range products {
		if err := s.PutProduct(ctx, &products[i]); err != nil {
			return err
		}
	}
	for i := range places {
		if err := s.PutLocation(ctx, &places[i]); err != nil {
			return err
		}
	}
	for _, l := range Lots() {
		if err := s.PutLot(ctx, &l); err != nil {
			return err
		}
	}
	for _, e := range Events() {
		if _, err := s.Record(ctx, e); err != nil {
			return err
		}
	}
	return nil
}
