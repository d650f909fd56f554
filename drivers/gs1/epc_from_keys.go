package gs1

import (
	"fmt"
	"strconv"
)

// A barcode carries GS1 keys (a GTIN and a serial, an SSCC) but not where their GS1
// Company Prefix ends, which an EPC needs. SGTINOf and SSCCOf build the EPC for a given
// company prefix length, so a caller can try each length against the EPCs it knows.

// SGTINOf returns the SGTIN of a GTIN-14 and a serial number (AI 21) with a company
// prefix of cpDigits (6 to 12) digits: SGTIN-96 when the serial is a number of at most
// 38 bits without leading zeros, SGTIN-198 otherwise.
func SGTINOf(gtin14, serial string, cpDigits int) (EPC, error) {
	if err := validKey("GTIN", gtin14, 14); err != nil {
		return EPC{}, err
	}
	if cpDigits < 6 || cpDigits > 12 {
		return EPC{}, fmt.Errorf("gs1: SGTIN company prefix of %d digits, want 6 to 12: %w", cpDigits, ErrPartition)
	}
	e := EPC{Scheme: SGTIN198, CompanyPrefixDigits: uint8(cpDigits), SerialText: serial}
	e.CompanyPrefix, _ = strconv.ParseUint(gtin14[1:1+cpDigits], 10, 64)
	e.Reference, _ = strconv.ParseUint(gtin14[:1]+gtin14[1+cpDigits:13], 10, 64)
	if v, err := strconv.ParseUint(serial, 10, 64); err == nil && v < 1<<38 && (serial == "0" || serial[0] != '0') {
		e.Scheme, e.Serial, e.SerialText = SGTIN96, v, ""
	}
	if _, err := e.check(); err != nil {
		return EPC{}, err
	}
	return e, nil
}

// SSCCOf returns the SSCC EPC of an 18-digit SSCC (AI 00) with a company prefix of
// cpDigits (6 to 12) digits.
func SSCCOf(sscc string, cpDigits int) (EPC, error) {
	if err := validKey("SSCC", sscc, 18); err != nil {
		return EPC{}, err
	}
	if cpDigits < 6 || cpDigits > 12 {
		return EPC{}, fmt.Errorf("gs1: SSCC company prefix of %d digits, want 6 to 12: %w", cpDigits, ErrPartition)
	}
	e := EPC{Scheme: SSCC96, CompanyPrefixDigits: uint8(cpDigits)}
	e.CompanyPrefix, _ = strconv.ParseUint(sscc[1:1+cpDigits], 10, 64)
	e.Reference, _ = strconv.ParseUint(sscc[:1]+sscc[1+cpDigits:17], 10, 64)
	if _, err := e.check(); err != nil {
		return EPC{}, err
	}
	return e, nil
}
