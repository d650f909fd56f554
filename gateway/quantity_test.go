package gateway

import (
	"testing"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/gateway/wire"
)

// The gateway converts drivers' quantities and qualities to the wire's by number, so
// the two tables must agree entry by entry.
func TestDriverAndWireTablesAgree(t *testing.T) {
	for i := range len(wire.QuantityNames) + 2 {
		d, w := drivers.Quantity(i), wire.Quantity(i)
		if d.String() != w.String() || d.Unit() != w.Unit() || d.Valid() != w.Valid() {
			t.Errorf("quantity %d: drivers %q %q %v, wire %q %q %v", i, d, d.Unit(), d.Valid(), w, w.Unit(), w.Valid())
		}
	}
	for i := range len(wire.QualityNames) + 2 {
		if d, w := drivers.Quality(i), wire.Quality(i); d.String() != w.String() {
			t.Errorf("quality %d: drivers %q, wire %q", i, d, w)
		}
	}
}
