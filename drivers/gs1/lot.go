package gs1

import (
	"fmt"
	"strings"
)

// MaxLotLen is the longest lot number AI 10 allows.
const MaxLotLen = 20

// cset82 reports whether c belongs to GS1 AI encodable character set 82: the invariant
// subset of ISO/IEC 646 (letters, digits and ! " % & ' ( ) * + , - . / : ; < = > ? _).
func cset82(c byte) bool {
	switch {
	case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte(`!"%&'()*+,-./:;<=>?_`, c) >= 0
}

// ValidLot reports whether lot is a valid batch or lot number (AI 10): 1 to 20 characters
// of character set 82. The error wraps ErrEmpty, ErrLength or ErrCharacter.
func ValidLot(lot string) error {
	if lot == "" {
		return fmt.Errorf("gs1: lot is empty: %w", ErrEmpty)
	}
	for i := 0; i < len(lot); i++ {
		if !cset82(lot[i]) {
			return fmt.Errorf("gs1: lot %q has %q at position %d, want letters, digits or !\"%%&'()*+,-./:;<=>?_: %w",
				lot, lot[i], i+1, ErrCharacter)
		}
	}
	if len(lot) > MaxLotLen {
		return fmt.Errorf("gs1: lot %q has %d characters, at most %d allowed: %w", lot, len(lot), MaxLotLen, ErrLength)
	}
	return nil
}

const (
	lotKeyGTIN = "(01)"
	lotKeyLot  = "(10)"
	// lotKeyLotAt is where "(10)" starts: after "(01)" and the 14 GTIN digits.
	lotKeyLotAt = len(lotKeyGTIN) + 14
)

// LotKey returns the canonical lot identifier "(01)<gtin14>(10)<lot>" used across
// lotsense on the wire and in the API. It does not validate: pass a GTIN normalised by
// GTIN14 and a lot accepted by ValidLot, or use ParseLotKey to check a key.
func LotKey(gtin14, lot string) string {
	return lotKeyGTIN + gtin14 + lotKeyLot + lot
}

// ParseLotKey splits a key made by LotKey into its GTIN-14 and lot and validates both.
// The positions are fixed ("(01)", 14 digits, "(10)", the lot), so a lot that itself
// contains "(10)" is split correctly.
func ParseLotKey(key string) (gtin14, lot string, err error) {
	rest, ok := strings.CutPrefix(key, lotKeyGTIN)
	if !ok {
		return "", "", fmt.Errorf("gs1: lot key %q does not start with %q: %w", key, lotKeyGTIN, ErrSyntax)
	}
	if len(key) < lotKeyLotAt+len(lotKeyLot) || key[lotKeyLotAt:lotKeyLotAt+len(lotKeyLot)] != lotKeyLot {
		return "", "", fmt.Errorf("gs1: lot key %q: want %q, 14 digits, then %q: %w", key, lotKeyGTIN, lotKeyLot, ErrSyntax)
	}
	gtin14 = rest[:14]
	if err := ValidGTIN(gtin14); err != nil {
		return "", "", fmt.Errorf("gs1: lot key %q: %w", key, err)
	}
	lot = key[lotKeyLotAt+len(lotKeyLot):]
	if err := ValidLot(lot); err != nil {
		return "", "", fmt.Errorf("gs1: lot key %q: %w", key, err)
	}
	return gtin14, lot, nil
}
