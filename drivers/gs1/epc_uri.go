package gs1

import (
	"strconv"
)

// URN returns the EPC pure identity URI (TDS section 6.3), which names the object
// whatever the encoding and filter: "urn:epc:id:sgtin:0614141.812345.6789".
// It returns "" for an unsupported scheme.
func (e EPC) URN() string {
	si := schemeOf(e.Scheme)
	if si == nil {
		return ""
	}
	b := make([]byte, 0, 80)
	b = append(b, "urn:epc:id:"...)
	b = append(b, si.id...)
	b = append(b, ':')
	return string(e.appendBody(si, b))
}

// TagURN returns the EPC tag URI (TDS section 12), which adds the encoding and the
// filter: "urn:epc:tag:sgtin-96:3.0614141.812345.6789".
func (e EPC) TagURN() string {
	si := schemeOf(e.Scheme)
	if si == nil {
		return ""
	}
	b := make([]byte, 0, 88)
	b = append(b, "urn:epc:tag:"...)
	b = append(b, si.tag...)
	b = append(b, ':')
	b = strconv.AppendUint(b, uint64(e.Filter), 10)
	b = append(b, '.')
	return string(e.appendBody(si, b))
}

// appendBody appends the fields after the scheme name, dot-separated.
func (e EPC) appendBody(si *schemeInfo, b []byte) []byte {
	cpDigits := int(e.CompanyPrefixDigits)
	b = appendDigits(b, e.CompanyPrefix, cpDigits)
	b = append(b, '.')
	if si.free {
		return strconv.AppendUint(b, e.Reference, 10)
	}
	b = appendDigits(b, e.Reference, si.digits-cpDigits)
	switch {
	case si.text:
		b = append(b, '.')
		b = appendEscaped(b, e.SerialText)
	case si.serial > 0:
		b = append(b, '.')
		b = strconv.AppendUint(b, e.Serial, 10)
	}
	return b
}

// appendDigits appends v as exactly n decimal digits, with leading zeros (n may be 0
// when v is 0; a v of more digits is written whole).
func appendDigits(b []byte, v uint64, n int) []byte {
	var buf [20]byte
	i := len(buf)
	for v > 0 || n > len(buf)-i {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, buf[i:]...)
}

// uriEscaped lists the character set 82 characters a URI writes as %XX (TDS table A-1).
const uriEscaped = `"%&/<>?`

// appendEscaped appends s with the characters of uriEscaped written as %XX.
func appendEscaped(b []byte, s string) []byte {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if needsEscape(c) {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
			continue
		}
		b = append(b, c)
	}
	return b
}

func needsEscape(c byte) bool {
	for i := 0; i < len(uriEscaped); i++ {
		if uriEscaped[i] == c {
			return true
		}
	}
	return false
}

// key builds a GS1 key: prefix digits, company prefix and reference as in the EPC with
// the reference's first digit moved to the front when lead is true (the indicator of a
// GTIN, the extension digit of an SSCC), then a check digit.
func (e EPC) key(prefix string, lead bool) string {
	cpDigits := int(e.CompanyPrefixDigits)
	var ref [20]byte
	r := appendDigits(ref[:0], e.Reference, e.ReferenceDigits())
	b := make([]byte, 0, 20)
	b = append(b, prefix...)
	if lead && len(r) > 0 {
		b = append(b, r[0])
		r = r[1:]
	}
	b = appendDigits(b, e.CompanyPrefix, cpDigits)
	b = append(b, r...)
	return string(append(b, checkDigit(b)))
}

// checkDigit is CheckDigit over bytes known to be digits.
func checkDigit(digits []byte) byte {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// GTIN returns the GTIN-14 of an SGTIN (indicator digit, company prefix, item reference,
// check digit), or "" for another scheme.
func (e EPC) GTIN() string {
	if e.Scheme != SGTIN96 && e.Scheme != SGTIN198 {
		return ""
	}
	return e.key("", true)
}

// SSCC returns the 18-digit SSCC of an SSCC EPC (extension digit, company prefix, serial
// reference, check digit), or "" for another scheme.
func (e EPC) SSCC() string {
	if e.Scheme != SSCC96 {
		return ""
	}
	return e.key("", true)
}

// GLN returns the 13-digit GLN of an SGLN (company prefix, location reference, check
// digit), or "" for another scheme.
func (e EPC) GLN() string {
	if e.Scheme != SGLN96 {
		return ""
	}
	return e.key("", false)
}

// ElementString returns the GS1 element string in human-readable form
// (TDS section 7): "(01)80614141123458(21)6789", "(00)106141412345678908",
// "(414)0614141123452(254)400", "(8003)00614141123452400", "(8004)061414112345400".
// It returns "" for an unsupported scheme.
func (e EPC) ElementString() string {
	switch e.Scheme {
	case SGTIN96:
		return "(01)" + e.GTIN() + "(21)" + strconv.FormatUint(e.Serial, 10)
	case SGTIN198:
		return "(01)" + e.GTIN() + "(21)" + e.SerialText
	case SSCC96:
		return "(00)" + e.SSCC()
	case SGLN96:
		if e.Serial == 0 { // extension 0 means the GLN alone (TDS section 7.3)
			return "(414)" + e.GLN()
		}
		return "(414)" + e.GLN() + "(254)" + strconv.FormatUint(e.Serial, 10)
	case GRAI96:
		return "(8003)" + e.key("0", false) + strconv.FormatUint(e.Serial, 10)
	case GIAI96:
		b := make([]byte, 0, 40)
		b = append(b, "(8004)"...)
		b = appendDigits(b, e.CompanyPrefix, int(e.CompanyPrefixDigits))
		return string(strconv.AppendUint(b, e.Reference, 10))
	}
	return ""
}
