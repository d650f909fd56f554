package gs1_test

import (
	"fmt"

	"github.com/lotsense/lotsense/drivers/gs1"
)

func ExampleDecodeEPCHex() {
	e, err := gs1.DecodeEPCHex("3074257BF7194E4000001A85")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.Scheme, e.Filter, e.URN())
	fmt.Println(e.TagURN())
	fmt.Println(e.ElementString(), e.GTIN())
	_, err = gs1.DecodeEPCHex("E2801160200074CF085A0A5B")
	fmt.Println(err)
	// Output:
	// sgtin-96 3 urn:epc:id:sgtin:0614141.812345.6789
	// urn:epc:tag:sgtin-96:3.0614141.812345.6789
	// (01)80614141123458(21)6789 80614141123458
	// gs1: not an EPC: header 0xE2 is not a GS1 EPC scheme (it looks like a TID class identifier): not an EPC
}

func ExampleEncodeEPC() {
	e, err := gs1.ParseURN("urn:epc:tag:sscc-96:2.0614141.1234567890")
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := gs1.EncodeEPC(e)
	fmt.Printf("%X %v %s\n", b, err, e.SSCC())
	// Output:
	// 3154257BF4499602D2000000 <nil> 106141412345678908
}
