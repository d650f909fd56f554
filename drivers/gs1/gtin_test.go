package gs1

import (
	"errors"
	"testing"
)

func TestCheckDigit(t *testing.T) {
	tests := []struct {
		digits string
		want   byte
		err    error
	}{
		{"400638133393", '1', nil},  // EAN-13 4006381333931
		{"03600029145", '2', nil},   // UPC-A 036000291452
		{"9638507", '4', nil},       // EAN-8 96385074
		{"0950600013435", '2', nil}, // GTIN-14 09506000134352
		{"0950600013436", '9', nil}, // GTIN-14 09506000134369
		{"0950600013437", '6', nil}, // GTIN-14 09506000134376
		{"00000000000000000", '0', nil},
		{"1", '7', nil},
		{"", 0, ErrEmpty},
		{"12a4", 0, ErrNotDigit},
	}
	for _, tt := range tests {
		got, err := CheckDigit(tt.digits)
		if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
			t.Errorf("CheckDigit(%q) error = %v, want %v", tt.digits, err, tt.err)
			continue
		}
		if got != tt.want {
			t.Errorf("CheckDigit(%q) = %q, want %q", tt.digits, got, tt.want)
		}
	}
}

func TestValidGTIN(t *testing.T) {
	tests := []struct {
		s   string
		err error
	}{
		{"96385074", nil},
		{"036000291452", nil},
		{"4006381333931", nil},
		{"09506000134352", nil},
		{"", ErrEmpty},
		{"0950600013435", ErrCheckDigit},  // a GTIN-13 length, wrong check digit
		{"950600013435", ErrCheckDigit},   // 12 digits with a wrong check digit
		{"123456789", ErrLength},          // 9 digits
		{"095060001343520", ErrLength},    // 15 digits
		{"09506000134353", ErrCheckDigit}, // last digit off by one
		{"0950600013435X", ErrNotDigit},
		{" 9506000134352", ErrNotDigit},
		{"-9506000134352", ErrNotDigit},
	}
	for _, tt := range tests {
		err := ValidGTIN(tt.s)
		if tt.err == nil && err != nil || !errors.Is(err, tt.err) {
			t.Errorf("ValidGTIN(%q) = %v, want %v", tt.s, err, tt.err)
		}
	}
}

func TestGTIN14(t *testing.T) {
	tests := []struct{ in, want string }{
		{"96385074", "00000096385074"},
		{"036000291452", "00036000291452"},
		{"4006381333931", "04006381333931"},
		{"09506000134352", "09506000134352"},
	}
	for _, tt := range tests {
		got, err := GTIN14(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("GTIN14(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if err := ValidGTIN(got); err != nil {
			t.Errorf("ValidGTIN(GTIN14(%q)) = %v", tt.in, err)
		}
	}
	if got, err := GTIN14("12345"); err == nil || got != "" {
		t.Errorf("GTIN14(12345) = %q, %v; want an error", got, err)
	}
}

func TestValidGLN(t *testing.T) {
	for _, s := range []string{"4006381333931", "9506000134352"} {
		if err := ValidGLN(s); err != nil {
			t.Errorf("ValidGLN(%q) = %v", s, err)
		}
	}
	for s, want := range map[string]error{
		"":               ErrEmpty,
		"96385074":       ErrLength,
		"09506000134352": ErrLength,
		"4006381333932":  ErrCheckDigit,
		"400638133393a":  ErrNotDigit,
	} {
		if err := ValidGLN(s); !errors.Is(err, want) {
			t.Errorf("ValidGLN(%q) = %v, want %v", s, err, want)
		}
	}
}
