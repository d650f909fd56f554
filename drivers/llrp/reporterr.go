package llrp

import (
	"errors"
	"fmt"
	"strings"
)

var errNoEPC = errors.New("llrp: TagReportData without an EPC (non-EPC tag or empty EPCData)")

// ReportError says what DecodeROAccessReport skipped. First is the first reason met
// (errors.Is works through Unwrap, e.g. against ErrUnknownTV or ErrTruncated).
type ReportError struct {
	NoEPC     int // TagReportData without EPC-96 or a non-empty EPCData
	UnknownTV int // TagReportData cut short by an unknown TV parameter type
	Malformed int // truncated parameters or impossible lengths (TagReportData or report)
	First     error
}

// Skipped is the number of problems counted.
func (e *ReportError) Skipped() int { return e.NoEPC + e.UnknownTV + e.Malformed }

func (e *ReportError) Error() string {
	var b strings.Builder
	b.WriteString("llrp: RO_ACCESS_REPORT partly skipped:")
	for _, c := range []struct {
		n    int
		what string
	}{{e.NoEPC, "without EPC"}, {e.UnknownTV, "with an unknown TV type"}, {e.Malformed, "malformed"}} {
		if c.n > 0 {
			fmt.Fprintf(&b, " %d %s,", c.n, c.what)
		}
	}
	fmt.Fprintf(&b, " first: %v", e.First)
	return b.String()
}

func (e *ReportError) Unwrap() error { return e.First }

// addSkip counts one skipped item of kind k with reason err into *p, allocating the
// ReportError on first use (so a clean report allocates nothing).
func addSkip(p **ReportError, k skipKind, err error) {
	if *p == nil {
		*p = &ReportError{First: err}
	}
	switch k {
	case skipNoEPC:
		(*p).NoEPC++
	case skipUnknownTV:
		(*p).UnknownTV++
	default:
		(*p).Malformed++
	}
}

type skipKind uint8

const (
	skipNoEPC skipKind = iota
	skipUnknownTV
	skipMalformed
)

// tagError is why one TagReportData was skipped.
type tagError struct {
	kind skipKind
	err  error
}

func (e *tagError) Error() string { return e.err.Error() }
func (e *tagError) Unwrap() error { return e.err }
