package gs1

import (
	"errors"
	"fmt"
)

// Errors of the EPC codecs, in addition to ErrEmpty, ErrNotDigit, ErrLength, ErrCharacter
// and ErrSyntax. Every EPC error wraps exactly one sentinel and starts with "gs1: ".
var (
	// ErrNotEPC: the first byte is not the header of a GS1 EPC binary encoding
	// (a TID, an ISO 18000-63 non-EPC tag, an unprogrammed or corrupt tag).
	ErrNotEPC = errors.New("not an EPC")
	// ErrUnsupported: a GS1 EPC scheme this package does not decode (GID-96, GRAI-170, ...).
	ErrUnsupported = errors.New("EPC scheme not supported")
	// ErrPartition: a partition value of 7, or a company prefix of other than 6..12 digits.
	ErrPartition = errors.New("invalid partition")
	// ErrRange: a field holds a value too large for its digits or bits.
	ErrRange = errors.New("value out of range")
	// ErrPadding: reserved or padding bits that must be zero are not.
	ErrPadding = errors.New("non-zero padding")
)

// Scheme is an EPC binary encoding scheme. Its value is the scheme's 8-bit EPC header
// (EPC Tag Data Standard 1.13 section 14.2, the header table).
type Scheme uint8

// The schemes this package encodes and decodes.
const (
	SGTIN96  Scheme = 0x30
	SSCC96   Scheme = 0x31
	SGLN96   Scheme = 0x32
	GRAI96   Scheme = 0x33
	GIAI96   Scheme = 0x34
	SGTIN198 Scheme = 0x36
)

// String returns the scheme's name as in a tag URI ("sgtin-96").
func (s Scheme) String() string {
	if si := schemeOf(s); si != nil {
		return si.tag
	}
	if name := otherHeaders[s]; name != "" {
		return name
	}
	return fmt.Sprintf("Scheme(0x%02X)", uint8(s))
}

// EPC is one decoded EPC: what a 96- or 198-bit EPC bank holds after its header.
//
// Fields by scheme (TDS section 14.5):
//
//	SGTIN  CompanyPrefix, Reference = indicator digit + item reference, Serial (96) or SerialText (198)
//	SSCC   CompanyPrefix, Reference = extension digit + serial reference
//	SGLN   CompanyPrefix, Reference = location reference, Serial = GLN extension (0: none)
//	GRAI   CompanyPrefix, Reference = asset type, Serial
//	GIAI   CompanyPrefix, Reference = individual asset reference (an integer, no leading zeros)
//
// Numbers are kept as integers so that decoding allocates nothing; their printed width
// follows the company prefix length (the partition): CompanyPrefix has
// CompanyPrefixDigits digits and Reference has ReferenceDigits, both with leading zeros.
type EPC struct {
	Scheme Scheme
	// Filter is the 3-bit filter value, 0..7 (see FilterMeaning).
	Filter uint8
	// CompanyPrefixDigits is the GS1 Company Prefix length, 6..12; the binary partition
	// value is 12 minus it.
	CompanyPrefixDigits uint8
	CompanyPrefix       uint64
	Reference           uint64
	// Serial is the serial number of SGTIN-96 and GRAI-96 and the extension of SGLN-96.
	Serial uint64
	// SerialText is the serial number of SGTIN-198: 1 to 20 characters of GS1 AI
	// character set 82. It is empty for every other scheme.
	SerialText string
}

// Partition returns the binary partition value, 12 minus the company prefix length.
func (e EPC) Partition() int { return 12 - int(e.CompanyPrefixDigits) }

// ReferenceDigits returns how many digits Reference has in URIs and element strings
// (for GIAI-96, the most it may have).
func (e EPC) ReferenceDigits() int {
	si := schemeOf(e.Scheme)
	if si == nil {
		return 0
	}
	return si.digits - int(e.CompanyPrefixDigits)
}

// schemeInfo is the layout of one binary scheme (TDS section 14.5).
type schemeInfo struct {
	scheme Scheme
	tag    string // name in a tag URI, "sgtin-96"
	id     string // name in a pure identity URI, "sgtin"
	size   int    // bytes in the EPC bank (198 bits are padded to 13 words, 26 bytes)
	fields int    // bits of company prefix plus reference
	digits int    // digits of company prefix plus reference (GIAI: at most)
	serial int    // bits of the integer serial or extension; 0 if none
	text   bool   // the serial is 20 7-bit characters (SGTIN-198)
	free   bool   // Reference is an integer without fixed width (GIAI)
}

// schemes is a read-only table of the supported schemes.
var schemes = [...]schemeInfo{
	{scheme: SGTIN96, tag: "sgtin-96", id: "sgtin", size: 12, fields: 44, digits: 13, serial: 38},
	{scheme: SSCC96, tag: "sscc-96", id: "sscc", size: 12, fields: 58, digits: 17},
	{scheme: SGLN96, tag: "sgln-96", id: "sgln", size: 12, fields: 41, digits: 12, serial: 41},
	{scheme: GRAI96, tag: "grai-96", id: "grai", size: 12, fields: 44, digits: 12, serial: 38},
	{scheme: GIAI96, tag: "giai-96", id: "giai", size: 12, fields: 82, digits: 25, free: true},
	{scheme: SGTIN198, tag: "sgtin-198", id: "sgtin", size: 26, fields: 44, digits: 13, text: true},
}

// otherHeaders names GS1 EPC headers this package recognises but does not decode
// (TDS section 14.2), so that the error says what the tag is.
var otherHeaders = map[Scheme]string{
	0x2C: "gdti-96", 0x2D: "gsrn-96", 0x2E: "gsrnp-96", 0x2F: "usdod-96",
	0x35: "gid-96", 0x37: "grai-170", 0x38: "giai-202", 0x39: "sgln-195",
	0x3A: "gdti-113", 0x3B: "adi-var", 0x3C: "cpi-96", 0x3D: "cpi-var",
	0x3E: "gdti-174", 0x3F: "sgcn-96", 0x40: "itip-110", 0x41: "itip-212",
}

// companyBits is the width of the company prefix field by partition value 0..6; the
// prefix then has 12 minus the partition digits (the partition tables of TDS section 14.5).
var companyBits = [7]int{40, 37, 34, 30, 27, 24, 20}

// pow10 holds 10^0 .. 10^19.
var pow10 = [20]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

func schemeOf(s Scheme) *schemeInfo {
	for i := range schemes {
		if schemes[i].scheme == s {
			return &schemes[i]
		}
	}
	return nil
}

// headerError explains a first byte that is not a supported EPC header.
func headerError(h byte) error {
	if name := otherHeaders[Scheme(h)]; name != "" {
		return fmt.Errorf("gs1: EPC header 0x%02X is %s: %w", h, name, ErrUnsupported)
	}
	if h == 0xE2 || h == 0xE0 || h == 0xE3 {
		return fmt.Errorf("gs1: not an EPC: header 0x%02X is not a GS1 EPC scheme (it looks like a TID class identifier): %w", h, ErrNotEPC)
	}
	return fmt.Errorf("gs1: not an EPC: header 0x%02X is not a GS1 EPC scheme: %w", h, ErrNotEPC)
}

// filterMeanings gives the meaning of each filter value for SGTIN and SSCC
// (TDS section 10, filter values); other schemes define 0 as "all others" and reserve the rest,
// except GIAI where 1 is a rail vehicle.
var filterMeanings = map[Scheme][8]string{
	SGTIN96: {"all others", "point of sale trade item", "full case for transport", "reserved",
		"inner pack trade item grouping for handling", "reserved", "unit load",
		"unit inside trade item or component not for individual sale"},
	SSCC96: {"all others", "reserved", "full case for transport", "reserved",
		"reserved", "reserved", "unit load", "reserved"},
	GIAI96: {"all others", "rail vehicle", "reserved", "reserved",
		"reserved", "reserved", "reserved", "reserved"},
}

// FilterMeaning says what the filter value means for the EPC's scheme.
func (e EPC) FilterMeaning() string {
	if e.Filter > 7 {
		return "invalid"
	}
	s := e.Scheme
	if s == SGTIN198 {
		s = SGTIN96
	}
	if m, ok := filterMeanings[s]; ok {
		return m[e.Filter]
	}
	if e.Filter == 0 {
		return "all others"
	}
	return "reserved"
}
