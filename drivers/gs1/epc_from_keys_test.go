package gs1

import (
	"errors"
	"testing"
)

func TestSGTINOfAndSSCCOf(t *testing.T) {
	// TDS examples: GTIN 80614141123458 with serial 6789 is urn:epc:id:sgtin:0614141.812345.6789.
	e, err := SGTINOf("80614141123458", "6789", 7)
	if err != nil || e.URN() != "urn:epc:id:sgtin:0614141.812345.6789" || e.Scheme != SGTIN96 {
		t.Fatalf("%v %q %v", err, e.URN(), e.Scheme)
	}
	e, err = SGTINOf("80614141123458", "A/1", 7)
	if err != nil || e.URN() != "urn:epc:id:sgtin:0614141.812345.A%2F1" || e.Scheme != SGTIN198 {
		t.Fatalf("%v %q %v", err, e.URN(), e.Scheme)
	}
	e, err = SGTINOf("80614141123458", "0123", 7) // leading zero: only SGTIN-198 keeps it
	if err != nil || e.Scheme != SGTIN198 {
		t.Fatalf("%v %v", err, e.Scheme)
	}
	s, err := SSCCOf("106141411234567897", 7)
	if err != nil || s.URN() != "urn:epc:id:sscc:0614141.1123456789" {
		t.Fatalf("%v %q", err, s.URN())
	}
	for _, c := range []struct {
		err  error
		want error
	}{
		{func() error { _, err := SGTINOf("80614141123459", "1", 7); return err }(), ErrCheckDigit},
		{func() error { _, err := SGTINOf("80614141123458", "1", 13); return err }(), ErrPartition},
		{func() error { _, err := SSCCOf("10614141123456789", 7); return err }(), ErrLength},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%v, want %v", c.err, c.want)
		}
	}
}
