package fsma_test

import (
	"fmt"

	"github.com/lotsense/lotsense/cloud/fsma"
	"github.com/lotsense/lotsense/cloud/trace"
)

func ExampleColumns() {
	cols, err := fsma.Columns(trace.Shipping)
	if err != nil {
		panic(err)
	}
	for _, c := range cols[:6] {
		fmt.Printf("%s (%s)\n", c.Name, c.CFR)
	}
	// Output:
	// Traceability lot code (1.1340(a)(1))
	// GTIN (1.1340(a)(1))
	// Lot code (1.1340(a)(1))
	// Quantity (1.1340(a)(2))
	// Unit of measure (1.1340(a)(2))
	// Product description (1.1340(a)(3))
}
