package gs1

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// randomEPC returns a random valid EPC of scheme s.
func randomEPC(r *rand.Rand, s Scheme) EPC {
	si := schemeOf(s)
	cpDigits := 6 + r.IntN(7)
	e := EPC{
		Scheme:              s,
		Filter:              uint8(r.IntN(8)),
		CompanyPrefixDigits: uint8(cpDigits),
		CompanyPrefix:       r.Uint64N(pow10[cpDigits]),
	}
	refBits := si.fields - companyBits[12-cpDigits]
	if si.free {
		e.Reference = r.Uint64N(1 << refBits)
	} else {
		e.Reference = r.Uint64N(pow10[si.digits-cpDigits])
	}
	switch {
	case si.serial > 0:
		e.Serial = r.Uint64N(1 << si.serial)
	case si.text:
		const cs82 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!\"%&'()*+,-./:;<=>?_"
		b := make([]byte, 1+r.IntN(textChars))
		for i := range b {
			b[i] = cs82[r.IntN(len(cs82))]
		}
		e.SerialText = string(b)
	}
	return e
}

func TestEPCRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 96))
	for _, si := range schemes {
		for range 2000 {
			e := randomEPC(r, si.scheme)
			b, err := EncodeEPC(e)
			if err != nil {
				t.Fatalf("EncodeEPC(%+v): %v", e, err)
			}
			d, err := DecodeEPC(b)
			if err != nil || d != e {
				t.Fatalf("DecodeEPC(EncodeEPC(%+v)) = %+v, %v", e, d, err)
			}
			p, err := ParseURN(e.TagURN())
			if err != nil || p != e {
				t.Fatalf("ParseURN(%s) = %+v, %v; want %+v", e.TagURN(), p, err, e)
			}
			p, err = ParseURN(e.URN())
			if err != nil {
				t.Fatalf("ParseURN(%s): %v", e.URN(), err)
			}
			b, err = EncodeEPC(p)
			if err != nil {
				t.Fatalf("EncodeEPC(ParseURN(%s)): %v", e.URN(), err)
			}
			if d, err = DecodeEPC(b); err != nil || d.URN() != e.URN() {
				t.Fatalf("URN %s -> %x -> %s, %v", e.URN(), b, d.URN(), err)
			}
		}
	}
}

func TestParseURNChoosesSGTINScheme(t *testing.T) {
	for urn, want := range map[string]Scheme{
		"urn:epc:id:sgtin:0614141.812345.6789":         SGTIN96,
		"urn:epc:id:sgtin:0614141.812345.0":            SGTIN96,
		"urn:epc:id:sgtin:0614141.812345.274877906943": SGTIN96,
		"urn:epc:id:sgtin:0614141.812345.274877906944": SGTIN198,
		"urn:epc:id:sgtin:0614141.812345.06789":        SGTIN198,
		"urn:epc:id:sgtin:0614141.812345.A%2FB":        SGTIN198,
		"urn:epc:id:sgtin:0614141.812345.a%2fb":        SGTIN198,
	} {
		e, err := ParseURN(urn)
		if err != nil || e.Scheme != want {
			t.Errorf("ParseURN(%s) = %v, %v; want %v", urn, e.Scheme, err, want)
		}
	}
}

func TestParseURNErrors(t *testing.T) {
	tests := []struct {
		urn  string
		err  error
		text string
	}{
		{"urn:epc:idpat:sgtin:0614141.*.*", ErrSyntax, "not an EPC URI"},
		{"urn:epc:id:sgtin", ErrSyntax, "no ':'"},
		{"urn:epc:id:gid:1.2.3", ErrUnsupported, `scheme "gid"`},
		{"urn:epc:tag:grai-170:0.0614141.12345.A", ErrUnsupported, `scheme "grai-170"`},
		{"urn:epc:tag:sgtin-96:8.0614141.812345.6789", ErrSyntax, "filter 0 to 7"},
		{"urn:epc:tag:sgtin-96:3", ErrSyntax, "filter 0 to 7"},
		{"urn:epc:id:sgtin:0614141.812345", ErrSyntax, "want 3"},
		{"urn:epc:id:sscc:0614141", ErrSyntax, "want 2"},
		{"urn:epc:id:sgtin:06141.8123456.6789", ErrPartition, "5 digits"},
		{"urn:epc:id:sgtin:0614141234567.8.6789", ErrPartition, "13 digits"},
		{"urn:epc:id:sgtin:0614141.81234.6789", ErrLength, "want 6"},
		{"urn:epc:id:sgtin:061414A.812345.6789", ErrNotDigit, "company prefix"},
		{"urn:epc:id:sgtin:0614141.8123X5.6789", ErrNotDigit, "reference"},
		{"urn:epc:tag:sgtin-96:3.0614141.812345.274877906944", ErrRange, "more than 274877906943"},
		{"urn:epc:tag:sgtin-96:3.0614141.812345.06789", ErrRange, "leading zero"},
		{"urn:epc:tag:sgtin-96:3.0614141.812345.A1", ErrNotDigit, "serial"},
		{"urn:epc:tag:sgtin-96:3.0614141.812345.", ErrEmpty, "serial is empty"},
		{"urn:epc:tag:sgtin-198:3.0614141.812345.", ErrEmpty, "serial is empty"},
		{"urn:epc:tag:sgtin-198:3.0614141.812345.123456789012345678901", ErrLength, "at most 20"},
		{"urn:epc:id:sgtin:0614141.812345.A/B", ErrCharacter, "escaped"},
		{"urn:epc:id:sgtin:0614141.812345.A#B", ErrCharacter, "character set 82"},
		{"urn:epc:id:sgtin:0614141.812345.A%41", ErrSyntax, "want one of"},
		{"urn:epc:id:sgtin:0614141.812345.A%2", ErrSyntax, "two hex digits"},
		{"urn:epc:tag:sgln-96:0.0614141.12345.2199023255552", ErrRange, "2^41-1"},
		{"urn:epc:id:giai:0614141.012", ErrRange, "leading zero"},
		{"urn:epc:id:giai:061414100000.4398046511104", ErrRange, "2^42-1"},
		{"urn:epc:id:giai:0614141.1A", ErrNotDigit, "asset reference"},
	}
	for _, tt := range tests {
		e, err := ParseURN(tt.urn)
		if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.text) || !strings.HasPrefix(err.Error(), "gs1: ") {
			t.Errorf("ParseURN(%s) = %v, want %v containing %q", tt.urn, err, tt.err, tt.text)
		}
		if e != (EPC{}) {
			t.Errorf("ParseURN(%s) returned %+v with an error", tt.urn, e)
		}
	}
}

func TestEncodeEPCErrors(t *testing.T) {
	ok := EPC{Scheme: SGTIN96, Filter: 3, CompanyPrefixDigits: 7, CompanyPrefix: 614141, Reference: 812345, Serial: 6789}
	tests := []struct {
		name string
		edit func(*EPC)
		err  error
	}{
		{"scheme", func(e *EPC) { e.Scheme = 0x35 }, ErrUnsupported},
		{"filter", func(e *EPC) { e.Filter = 8 }, ErrRange},
		{"prefix digits", func(e *EPC) { e.CompanyPrefixDigits = 13 }, ErrPartition},
		{"prefix digits 0", func(e *EPC) { e.CompanyPrefixDigits = 0 }, ErrPartition},
		{"prefix", func(e *EPC) { e.CompanyPrefix = 1e7 }, ErrRange},
		{"reference", func(e *EPC) { e.Reference = 1e6 }, ErrRange},
		{"serial", func(e *EPC) { e.Serial = 1 << 38 }, ErrRange},
		{"text on 96", func(e *EPC) { e.SerialText = "A" }, ErrSyntax},
		{"198 with Serial", func(e *EPC) { e.Scheme, e.SerialText = SGTIN198, "A" }, ErrSyntax},
		{"198 empty", func(e *EPC) { e.Scheme, e.Serial = SGTIN198, 0 }, ErrEmpty},
		{"198 char", func(e *EPC) { e.Scheme, e.Serial, e.SerialText = SGTIN198, 0, "A B" }, ErrCharacter},
		{"sscc serial", func(e *EPC) { e.Scheme, e.Reference = SSCC96, 0 }, ErrSyntax},
		{"giai bits", func(e *EPC) { e.Scheme, e.Serial, e.CompanyPrefixDigits, e.Reference = GIAI96, 0, 12, 1<<42 }, ErrRange},
		{"sgln ext", func(e *EPC) { e.Scheme, e.Reference, e.Serial = SGLN96, 12345, 1<<41 }, ErrRange},
	}
	for _, tt := range tests {
		e := ok
		tt.edit(&e)
		if _, err := EncodeEPC(e); !errors.Is(err, tt.err) || !strings.HasPrefix(err.Error(), "gs1: ") {
			t.Errorf("%s: EncodeEPC(%+v) = %v, want %v", tt.name, e, err, tt.err)
		}
	}
	if err := ok.Validate(); err != nil {
		t.Errorf("Validate(%+v) = %v", ok, err)
	}
}

func FuzzDecodeEPC(f *testing.F) {
	for _, x := range epcExamples {
		f.Add(mustHex(f, x.hex))
	}
	f.Add([]byte{0xE2, 0x80, 0x11, 0x60})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeEPC(b)
		if err != nil {
			return
		}
		got, err := EncodeEPC(e)
		if err != nil {
			t.Fatalf("DecodeEPC(%x) = %+v, but EncodeEPC: %v", b, e, err)
		}
		if !bytes.Equal(got, b) {
			t.Fatalf("DecodeEPC(%x) = %+v re-encodes to %x", b, e, got)
		}
		if p, err := ParseURN(e.TagURN()); err != nil || p != e {
			t.Fatalf("ParseURN(%s) = %+v, %v; want %+v", e.TagURN(), p, err, e)
		}
		_ = e.ElementString()
	})
}

func FuzzParseURN(f *testing.F) {
	for _, x := range epcExamples {
		f.Add(x.tag)
		f.Add(x.urn)
	}
	f.Add("urn:epc:id:sgtin:0614141.812345.a%2fb")
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseURN(s)
		if err != nil {
			return
		}
		b, err := EncodeEPC(e)
		if err != nil {
			t.Fatalf("ParseURN(%q) = %+v, but EncodeEPC: %v", s, e, err)
		}
		d, err := DecodeEPC(b)
		if err != nil || d != e {
			t.Fatalf("ParseURN(%q) = %+v, decodes back as %+v, %v", s, e, d, err)
		}
		if p, err := ParseURN(e.TagURN()); err != nil || p != e {
			t.Fatalf("ParseURN(%s) = %+v, %v; want %+v", e.TagURN(), p, err, e)
		}
		if p, err := ParseURN(e.URN()); err != nil || p.URN() != e.URN() {
			t.Fatalf("ParseURN(%s) = %+v, %v", e.URN(), p, err)
		}
	})
}
