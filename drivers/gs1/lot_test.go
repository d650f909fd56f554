package gs1

import (
	"errors"
	"strings"
	"testing"
)

func TestValidLot(t *testing.T) {
	tests := []struct {
		lot string
		err error
	}{
		{"A", nil},
		{"L2024-11-07", nil},
		{`!"%&'()*+,-./:;<=>?_`, nil}, // every punctuation mark of set 82, 20 characters
		{"ABCDEFGHIJKLMNOPQRST", nil},
		{"(10)ABC", nil},
		{"", ErrEmpty},
		{"ABCDEFGHIJKLMNOPQRSTU", ErrLength},
		{"LOT 1", ErrCharacter},
		{"LOT#1", ErrCharacter},
		{"lot@1", ErrCharacter},
		{"é", ErrCharacter},
		{"a\x00", ErrCharacter},
		{"a~", ErrCharacter},
	}
	for _, tt := range tests {
		err := ValidLot(tt.lot)
		if tt.err == nil && err != nil || !errors.Is(err, tt.err) {
			t.Errorf("ValidLot(%q) = %v, want %v", tt.lot, err, tt.err)
		}
	}
}

func TestLotKey(t *testing.T) {
	tests := []struct{ gtin, lot, key string }{
		{"09506000134352", "L1", "(01)09506000134352(10)L1"},
		{"09506000134369", "(10)X", "(01)09506000134369(10)(10)X"},
		{"00000096385074", "A(01)B", "(01)00000096385074(10)A(01)B"},
	}
	for _, tt := range tests {
		key := LotKey(tt.gtin, tt.lot)
		if key != tt.key {
			t.Errorf("LotKey(%q, %q) = %q, want %q", tt.gtin, tt.lot, key, tt.key)
		}
		g, l, err := ParseLotKey(key)
		if err != nil || g != tt.gtin || l != tt.lot {
			t.Errorf("ParseLotKey(%q) = %q, %q, %v; want %q, %q", key, g, l, err, tt.gtin, tt.lot)
		}
	}
}

func TestParseLotKeyErrors(t *testing.T) {
	tests := []struct {
		key  string
		err  error
		text string
	}{
		{"", ErrSyntax, "does not start with"},
		{"09506000134352(10)L1", ErrSyntax, "does not start with"},
		{"(01)9506000134352(10)L1", ErrSyntax, "14 digits"},
		{"(01)09506000134352", ErrSyntax, "14 digits"},
		{"(01)09506000134352(11)L1", ErrSyntax, "14 digits"},
		{"(01)09506000134353(10)L1", ErrCheckDigit, "check digit"},
		{"(01)0950600013435X(10)L1", ErrNotDigit, "position 14"},
		{"(01)09506000134352(10)", ErrEmpty, "lot is empty"},
		{"(01)09506000134352(10)LOT 1", ErrCharacter, "position 4"},
		{"(01)09506000134352(10)" + strings.Repeat("A", 21), ErrLength, "21 characters"},
	}
	for _, tt := range tests {
		g, l, err := ParseLotKey(tt.key)
		if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("ParseLotKey(%q) error = %v, want %v containing %q", tt.key, err, tt.err, tt.text)
		}
		if g != "" || l != "" {
			t.Errorf("ParseLotKey(%q) = %q, %q with an error, want empty results", tt.key, g, l)
		}
	}
}

func FuzzParseLotKey(f *testing.F) {
	f.Add("09506000134352", "L1")
	f.Add("96385074", "(10)")
	f.Add("(01)09506000134352(10)L1", "")
	f.Add("4006381333931", `!"%&'()*+,-./:;<=>?_`)
	f.Fuzz(func(t *testing.T, gtin, lot string) {
		// Arbitrary input never panics; whatever parses must print back the same.
		if g, l, err := ParseLotKey(gtin + lot); err == nil {
			if LotKey(g, l) != gtin+lot {
				t.Fatalf("ParseLotKey(%q) = %q, %q, which does not print back", gtin+lot, g, l)
			}
		}
		g14, err := GTIN14(gtin)
		if err != nil || ValidLot(lot) != nil {
			return
		}
		g, l, err := ParseLotKey(LotKey(g14, lot))
		if err != nil || g != g14 || l != lot {
			t.Fatalf("ParseLotKey(LotKey(%q, %q)) = %q, %q, %v", g14, lot, g, l, err)
		}
	})
}
