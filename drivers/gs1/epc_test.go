package gs1

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// epcExamples are EPC Tag Data Standard examples (section numbers of TDS 1.13). The
// first is the worked example of TDS Annex E ("Example of a specific trade item
// (SGTIN)"). Most others encode the example identities of TDS section 6.3 (6.3.1 SGTIN,
// 6.3.2 SSCC, 6.3.3 SGLN, 6.3.4 GRAI, 6.3.5 GIAI: 0614141.1234567890,
// 0614141.12345.400, 0614141.12345400) in the binary layouts of TDS section 14.5 with
// some filter value; the rest cover 12-digit company prefixes, maximum serials and the
// SGTIN-198 7-bit string encoding with the URI escapes of TDS table A-1. Their hex was
// checked against the test vectors of nedap/retail-epcpy, an independent implementation.
var epcExamples = []struct {
	hex, tag, urn, elem, key string
}{
	{"3074257BF7194E4000001A85", "urn:epc:tag:sgtin-96:3.0614141.812345.6789",
		"urn:epc:id:sgtin:0614141.812345.6789", "(01)80614141123458(21)6789", "80614141123458"},
	{"30C579D5D4ADB60000000000", "urn:epc:tag:sgtin-96:6.50712192365.88.0",
		"urn:epc:id:sgtin:50712192365.88.0", "(01)85071219236581(21)0", "85071219236581"},
	{"3154257BF4499602D2000000", "urn:epc:tag:sscc-96:2.0614141.1234567890",
		"urn:epc:id:sscc:0614141.1234567890", "(00)106141412345678908", "106141412345678908"},
	{"31583BF982DFDC1C35000000", "urn:epc:tag:sscc-96:2.061414.12345678901",
		"urn:epc:id:sscc:061414.12345678901", "(00)106141423456789018", "106141423456789018"},
	{"31A03932449F000000000000", "urn:epc:tag:sscc-96:5.061414123456.00000",
		"urn:epc:id:sscc:061414123456.00000", "(00)006141412345600001", "006141412345600001"},
	{"3234257BF460720000000190", "urn:epc:tag:sgln-96:1.0614141.12345.400",
		"urn:epc:id:sgln:0614141.12345.400", "(414)0614141123452(254)400", "0614141123452"},
	{"320039318D8401FFFFFFFFFF", "urn:epc:tag:sgln-96:0.061411123456..2199023255551",
		"urn:epc:id:sgln:061411123456..2199023255551", "(414)0614111234560(254)2199023255551", "0614111234560"},
	{"33B4257BF40C0E4000000190", "urn:epc:tag:grai-96:5.0614141.12345.400",
		"urn:epc:id:grai:0614141.12345.400", "(8003)00614141123452400", ""},
	{"3300393243FF743FFFFFFFFF", "urn:epc:tag:grai-96:0.061414113245..274877906943",
		"urn:epc:id:grai:061414113245..274877906943", "(8003)00614141132454274877906943", ""},
	{"3434257BF400000000BC6038", "urn:epc:tag:giai-96:1.0614141.12345400",
		"urn:epc:id:giai:0614141.12345400", "(8004)061414112345400", ""},
	{"3434257BF400000000000000", "urn:epc:tag:giai-96:1.0614141.0",
		"urn:epc:id:giai:0614141.0", "(8004)06141410", ""},
	{"362579D5D4ADB6172574B98B34C0000000000000000000000000", "urn:epc:tag:sgtin-198:1.50712192365.88..%25:.13%26",
		"urn:epc:id:sgtin:50712192365.88..%25:.13%26", "(01)85071219236581(21).%:.13&", "85071219236581"},
	{"36C579D5D4ADB618000000000000000000000000000000000000", "urn:epc:tag:sgtin-198:6.50712192365.88.0",
		"urn:epc:id:sgtin:50712192365.88.0", "(01)85071219236581(21)0", "85071219236581"},
}

func (e EPC) gs1Key() string {
	switch e.Scheme {
	case SGTIN96, SGTIN198:
		return e.GTIN()
	case SSCC96:
		return e.SSCC()
	case SGLN96:
		return e.GLN()
	}
	return ""
}

func TestDecodeEPCExamples(t *testing.T) {
	for _, x := range epcExamples {
		e, err := DecodeEPCHex(x.hex)
		if err != nil {
			t.Errorf("DecodeEPCHex(%s): %v", x.hex, err)
			continue
		}
		if got := e.TagURN(); got != x.tag {
			t.Errorf("%s: TagURN = %s, want %s", x.hex, got, x.tag)
		}
		if got := e.URN(); got != x.urn {
			t.Errorf("%s: URN = %s, want %s", x.hex, got, x.urn)
		}
		if got := e.ElementString(); got != x.elem {
			t.Errorf("%s: ElementString = %s, want %s", x.hex, got, x.elem)
		}
		if got := e.gs1Key(); got != x.key {
			t.Errorf("%s: GS1 key = %q, want %q", x.hex, got, x.key)
		}
	}
}

func TestEncodeEPCExamples(t *testing.T) {
	for _, x := range epcExamples {
		e, err := ParseURN(x.tag)
		if err != nil {
			t.Errorf("ParseURN(%s): %v", x.tag, err)
			continue
		}
		b, err := EncodeEPC(e)
		if err != nil {
			t.Errorf("EncodeEPC(%s): %v", x.tag, err)
			continue
		}
		if got := strings.ToUpper(hex.EncodeToString(b)); got != x.hex {
			t.Errorf("EncodeEPC(%s) = %s, want %s", x.tag, got, x.hex)
		}
		p, err := ParseURN(x.urn)
		if err != nil {
			t.Errorf("ParseURN(%s): %v", x.urn, err)
			continue
		}
		if p.Filter != 0 || p.URN() != x.urn {
			t.Errorf("ParseURN(%s) = %+v, URN %s", x.urn, p, p.URN())
		}
	}
}

func TestSGTIN96Fields(t *testing.T) {
	e, err := DecodeEPCHex("3074257BF7194E4000001A85")
	want := EPC{Scheme: SGTIN96, Filter: 3, CompanyPrefixDigits: 7, CompanyPrefix: 614141, Reference: 812345, Serial: 6789}
	if err != nil || e != want {
		t.Fatalf("DecodeEPCHex = %+v, %v; want %+v", e, err, want)
	}
	if e.Partition() != 5 || e.ReferenceDigits() != 6 || e.FilterMeaning() != "reserved" {
		t.Errorf("Partition %d, ReferenceDigits %d, FilterMeaning %q", e.Partition(), e.ReferenceDigits(), e.FilterMeaning())
	}
	if e.SSCC() != "" || e.GLN() != "" {
		t.Errorf("SSCC %q, GLN %q of an SGTIN, want empty", e.SSCC(), e.GLN())
	}
	if got := SGTIN96.String() + " " + Scheme(0x37).String() + " " + Scheme(0xE2).String(); got != "sgtin-96 grai-170 Scheme(0xE2)" {
		t.Errorf("Scheme names = %q", got)
	}
}

func TestSGLNNoExtension(t *testing.T) {
	e, err := ParseURN("urn:epc:tag:sgln-96:0.0614141.12345.0")
	if err != nil {
		t.Fatal(err)
	}
	if got := e.ElementString(); got != "(414)0614141123452" {
		t.Errorf("ElementString = %s, want (414)0614141123452 (extension 0 is the GLN alone)", got)
	}
}

// fields packs (width, value) pairs, most significant bit first, into hex.
func fields(wv ...uint64) string {
	n := 0
	for i := 0; i < len(wv); i += 2 {
		n += int(wv[i])
	}
	b := make([]byte, (n+7)/8)
	off := 0
	for i := 0; i < len(wv); i += 2 {
		putBits(b, off, int(wv[i]), wv[i+1])
		off += int(wv[i])
	}
	return hex.EncodeToString(b)
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeEPCErrors(t *testing.T) {
	tests := []struct {
		name, hex string
		err       error
		text      string
	}{
		{"empty", "", ErrEmpty, "gs1: EPC is empty"},
		{"TID", "E2801160200074CF085A0A5B", ErrNotEPC, "gs1: not an EPC: header 0xE2 is not a GS1 EPC scheme"},
		{"zero", "000000000000000000000000", ErrNotEPC, "header 0x00"},
		{"GID-96", "350000000000000000000000", ErrUnsupported, "header 0x35 is gid-96"},
		{"short", "3074257BF7194E4000001A", ErrLength, "has 11 bytes, want 12"},
		{"long", "3074257BF7194E4000001A8500", ErrLength, "has 13 bytes, want 12"},
		{"198 as 25 bytes", "36C579D5D4ADB6180000000000000000000000000000000000", ErrLength, "want 26"},
		{"partition 7", "307C257BF7194E4000001A85", ErrPartition, "partition 7"},
		{"company prefix", "3003FFFFFFFFFC0000000000", ErrRange, "company prefix 1099511627775 has more than 12 digits"},
		{"item reference", fields(8, 0x30, 3, 1, 3, 0, 40, 1, 4, 15, 38, 0), ErrRange, "reference 15 has more than 1 digits"},
		{"sscc reserved", "3154257BF4499602D2000001", ErrPadding, "reserved bits are 0x000001"},
		{"sgln location", fields(8, 0x32, 3, 0, 3, 0, 40, 1, 1, 1, 41, 0), ErrRange, "reference 1 has more than 0 digits"},
		{"grai asset type", fields(8, 0x33, 3, 0, 3, 6, 20, 1, 24, 1e6, 38, 0), ErrRange, "reference 1000000 has more than 6 digits"},
		{"198 empty serial", "36C579D5D4ADB600000000000000000000000000000000000000", ErrEmpty, "serial is empty"},
		{"198 control char", fields(8, 0x36, 3, 0, 3, 5, 24, 1, 20, 1, 7, 1, 143, 0), ErrCharacter, "character 0x01"},
		{"198 escape-only char", fields(8, 0x36, 3, 0, 3, 5, 24, 1, 20, 1, 7, '#', 143, 0), ErrCharacter, "character 0x23"},
		{"198 after end", "36C579D5D4ADB618000000000000000000000000000000000001", ErrPadding, "non-zero bits after its serial"},
		{"198 hole", "36C579D5D4ADB618000000000000000000000000000000000100", ErrPadding, "non-zero bits"},
	}
	for _, tt := range tests {
		e, err := DecodeEPC(mustHex(t, tt.hex))
		if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.text) || !strings.HasPrefix(err.Error(), "gs1: ") {
			t.Errorf("%s: DecodeEPC(%s) = %v, want %v containing %q", tt.name, tt.hex, err, tt.err, tt.text)
		}
		if e != (EPC{}) {
			t.Errorf("%s: DecodeEPC returned %+v with an error, want zero", tt.name, e)
		}
	}
	if _, err := DecodeEPCHex("30zz"); !errors.Is(err, ErrSyntax) {
		t.Errorf("DecodeEPCHex(30zz) = %v, want ErrSyntax", err)
	}
	if _, err := DecodeEPCHex("0x3074 257B F719 4E40 0000 1A85"); err != nil {
		t.Errorf("DecodeEPCHex with 0x and spaces: %v", err)
	}
}
