package llrp

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/lotsense/lotsense/drivers"
)

// DecodeROAccessReport appends one drivers.TagRead per TagReportData of an
// RO_ACCESS_REPORT body to dst and returns it. It reads EPC-96 (TV 13) and EPCData (TLV
// 241), AntennaID (TV 1), PeakRSSI (TV 6), ChannelIndex (TV 7),
// FirstSeenTimestampUTC (TV 2), TagSeenCount (TV 8) and skips every other parameter.
// Time is now when the reader sent no FirstSeenTimestampUTC; Count is 1 when it sent
// no TagSeenCount.
//
// Ownership: each EPC aliases body (it is not copied, so decoding allocates nothing
// when dst has capacity). Keep body unchanged while the TagReads are in use, or call
// DetachEPCs first — a Decoder reuses its body buffer on the next frame.
//
// Bad input never panics. A TagReportData without an EPC, with an unknown TV type
// (whose length is unknown, so the rest of it is unreadable) or with a truncated
// parameter is skipped and decoding resumes at the next TagReportData; a top-level
// length that cannot be trusted ends the report. The TagReads decoded so far are
// returned with a *ReportError that counts what was skipped and why.
func DecodeROAccessReport(body []byte, reader string, now time.Time, dst []drivers.TagRead) ([]drivers.TagRead, error) {
	var rerr *ReportError
	for p := Params(body); ; {
		if !p.Next() {
			if err := p.Err(); err != nil {
				addSkip(&rerr, skipMalformed, fmt.Errorf("llrp: RO_ACCESS_REPORT: %w", err))
			}
			break
		}
		if p.Type() != ParamTagReportData || p.TV() {
			continue // RFSurveyReportData, Custom: not ours
		}
		var tr drivers.TagRead
		tr.Reader = reader
		if err := decodeTagReportData(p.Value(), now, &tr); err != nil {
			addSkip(&rerr, err.kind, err)
			continue
		}
		dst = append(dst, tr)
	}
	if rerr != nil {
		return dst, rerr
	}
	return dst, nil
}

// decodeTagReportData fills tr from the value of one TagReportData parameter. It is the
// hot path: one pass, no allocation unless the input is bad.
func decodeTagReportData(b []byte, now time.Time, tr *drivers.TagRead) *tagError {
	tr.Count, tr.Time = 1, now
	for i := 0; i < len(b); {
		h := b[i]
		if h&0x80 == 0 {
			n, err := tagTLV(b, i, tr)
			if err != nil {
				return err
			}
			i += n
			continue
		}
		t := h & 0x7f
		n := tvLen(t)
		if n == 0 {
			return &tagError{kind: skipUnknownTV, err: fmt.Errorf("%w %d at offset %d of a TagReportData", ErrUnknownTV, t, i)}
		}
		if i+1+n > len(b) {
			return &tagError{kind: skipMalformed, err: fmt.Errorf("%w: TV %d at offset %d of a %d-byte TagReportData", ErrTruncated, t, i, len(b))}
		}
		v := b[i+1 : i+1+n : i+1+n]
		switch t {
		case ParamEPC96:
			tr.EPC = v
		case ParamAntennaID:
			tr.Antenna = binary.BigEndian.Uint16(v)
		case ParamPeakRSSI:
			tr.RSSI = float64(int8(v[0]))
		case ParamChannelIndex:
			tr.Channel = binary.BigEndian.Uint16(v)
		case ParamTagSeenCount:
			tr.Count = binary.BigEndian.Uint16(v)
		case ParamFirstSeenTimestampUTC:
			tr.Time = time.UnixMicro(int64(binary.BigEndian.Uint64(v))).UTC()
		}
		i += 1 + n
	}
	if len(tr.EPC) == 0 {
		return &tagError{kind: skipNoEPC, err: errNoEPC}
	}
	return nil
}

// tagTLV handles a TLV parameter at b[i:] inside a TagReportData (EPCData; anything
// else, e.g. C1G2 op-spec results or Custom, is skipped by its length).
func tagTLV(b []byte, i int, tr *drivers.TagRead) (int, *tagError) {
	if i+4 > len(b) {
		return 0, &tagError{kind: skipMalformed, err: fmt.Errorf("%w: TLV header at offset %d of a %d-byte TagReportData", ErrTruncated, i, len(b))}
	}
	t := binary.BigEndian.Uint16(b[i:]) & 0x3ff
	n := int(binary.BigEndian.Uint16(b[i+2:]))
	if n < 4 || i+n > len(b) {
		return 0, &tagError{kind: skipMalformed, err: fmt.Errorf("%w: TLV %d length %d at offset %d of a %d-byte TagReportData", ErrTruncated, t, n, i, len(b))}
	}
	if t == ParamEPCData {
		v := b[i+4 : i+n]
		if len(v) < 2 {
			return 0, &tagError{kind: skipMalformed, err: fmt.Errorf("%w: EPCData without a bit count", ErrTruncated)}
		}
		bits := int(binary.BigEndian.Uint16(v))
		nb := (bits + 7) / 8
		if 2+nb > len(v) {
			return 0, &tagError{kind: skipMalformed, err: fmt.Errorf("%w: EPCData of %d bits in %d bytes", ErrTruncated, bits, len(v)-2)}
		}
		tr.EPC = v[2 : 2+nb : 2+nb]
	}
	return n, nil
}

// DetachEPCs copies the EPCs of tags into arena (appending; at most one allocation when
// arena is too small) and points the TagReads at the copies, so they no longer alias the
// report body. It returns the arena; reuse it only once the TagReads are done with.
func DetachEPCs(tags []drivers.TagRead, arena []byte) []byte {
	n := 0
	for i := range tags {
		n += len(tags[i].EPC)
	}
	if cap(arena)-len(arena) < n {
		a := make([]byte, len(arena), len(arena)+n)
		copy(a, arena)
		arena = a
	}
	for i := range tags {
		at := len(arena)
		arena = append(arena, tags[i].EPC...)
		tags[i].EPC = arena[at:len(arena):len(arena)]
	}
	return arena
}
