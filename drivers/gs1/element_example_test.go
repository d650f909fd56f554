package gs1_test

import (
	"fmt"
	"time"

	"github.com/lotsense/lotsense/drivers/gs1"
)

func ExampleParse() {
	// A GS1 DataMatrix scan as a scanner sends it: symbology identifier, GTIN,
	// expiry (day 00: end of month), net weight, lot, FNC1 (ASCII 29), serial.
	scan := "]d2" + "0109506000134352" + "17261200" + "3103001250" + "10LOT-7\x1d" + "21S1"
	es, err := gs1.Parse(scan, &gs1.ParseOptions{Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(es.HRI())
	exp, dayZero := es.Expiry()
	fmt.Println(exp.Format("2006-01-02"), dayZero)
	w, _ := es.NetWeight()
	fmt.Println(w.Decimal, w.Unit)
	fmt.Println(es.LotKey())
	fmt.Println(es.DigitalLink(""))

	_, err = gs1.Parse("]d2"+"0109506000134352"+"17261301", nil)
	fmt.Println(err)
	// Output:
	// (01)09506000134352(17)261200(3103)001250(10)LOT-7(21)S1
	// 2026-12-31 true
	// 1.250 kg
	// (01)09506000134352(10)LOT-7 true
	// https://id.gs1.org/01/09506000134352/10/LOT-7/21/S1?17=261200&3103=001250 <nil>
	// gs1: AI (17) at position 24: month 13 does not exist: impossible date
}
