package gs1

import (
	"errors"
	"fmt"
)

// Errors a caller may test for with errors.Is. Every error returned by this package
// wraps one of them and says which input and which position was at fault.
var (
	ErrEmpty      = errors.New("empty")
	ErrNotDigit   = errors.New("not a digit")
	ErrLength     = errors.New("wrong length")
	ErrCheckDigit = errors.New("wrong check digit")
	ErrCharacter  = errors.New("character not allowed")
	ErrSyntax     = errors.New("malformed")
)

// CheckDigit returns the GS1 mod-10 check digit, as an ASCII digit '0'..'9', for digits,
// the data digits of a GTIN, GLN, SSCC or other GS1 key without their check digit.
// Weights alternate 3, 1, 3, ... from the rightmost data digit.
func CheckDigit(digits string) (byte, error) {
	if digits == "" {
		return 0, fmt.Errorf("gs1: check digit of an empty string: %w", ErrEmpty)
	}
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("gs1: %q has %q at position %d: %w", digits, c, i+1, ErrNotDigit)
		}
		d := int(c - '0')
		if (len(digits)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10), nil
}

// validKey checks that s is a GS1 key of one of the given lengths whose last digit is
// the check digit of the others. what names the key in messages ("GTIN", "GLN").
func validKey(what, s string, lengths ...int) error {
	if s == "" {
		return fmt.Errorf("gs1: %s is empty: %w", what, ErrEmpty)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return fmt.Errorf("gs1: %s %q has %q at position %d, want digits only: %w", what, s, s[i], i+1, ErrNotDigit)
		}
	}
	okLen := false
	for _, n := range lengths {
		okLen = okLen || len(s) == n
	}
	if !okLen {
		return fmt.Errorf("gs1: %s %q has %d digits, want %s: %w", what, s, len(s), lengthList(lengths), ErrLength)
	}
	want, err := CheckDigit(s[:len(s)-1])
	if err != nil {
		return err
	}
	if got := s[len(s)-1]; got != want {
		return fmt.Errorf("gs1: %s %q ends in check digit %c, want %c: %w", what, s, got, want, ErrCheckDigit)
	}
	return nil
}

func lengthList(lengths []int) string {
	s := ""
	for i, n := range lengths {
		switch {
		case i == 0:
		case i == len(lengths)-1:
			s += " or "
		default:
			s += ", "
		}
		s += fmt.Sprint(n)
	}
	return s
}

// ValidGTIN reports whether s is a GTIN-8, GTIN-12, GTIN-13 or GTIN-14: digits only, one
// of those lengths, and a correct check digit. The error wraps ErrEmpty, ErrNotDigit,
// ErrLength or ErrCheckDigit.
func ValidGTIN(s string) error {
	return validKey("GTIN", s, 8, 12, 13, 14)
}

// GTIN14 validates s as ValidGTIN does and returns it left-padded with zeros to the
// 14 digits every GTIN takes in element strings and lot keys.
func GTIN14(s string) (string, error) {
	if err := ValidGTIN(s); err != nil {
		return "", err
	}
	const zeros = "000000"
	return zeros[:14-len(s)] + s, nil
}

// ValidGLN reports whether s is a Global Location Number: 13 digits with a correct check
// digit.
func ValidGLN(s string) error {
	return validKey("GLN", s, 13)
}
