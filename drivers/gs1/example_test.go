package gs1_test

import (
	"fmt"

	"github.com/lotsense/lotsense/drivers/gs1"
)

func Example() {
	g, err := gs1.GTIN14("9506000134352")
	if err != nil {
		fmt.Println(err)
		return
	}
	key := gs1.LotKey(g, "L2024-11(B)")
	fmt.Println(key)
	gtin, lot, err := gs1.ParseLotKey(key)
	fmt.Println(gtin, lot, err)
	fmt.Println(gs1.ValidGTIN("09506000134353"))
	// Output:
	// (01)09506000134352(10)L2024-11(B)
	// 09506000134352 L2024-11(B) <nil>
	// gs1: GTIN "09506000134353" ends in check digit 3, want 2: wrong check digit
}
