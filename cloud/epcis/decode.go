package epcis

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/lotsense/lotsense/cloud/trace"
)

// Limits bound what Decode accepts. A zero field takes its default.
type Limits struct {
	MaxBytes  int64 // whole document; default 32 MiB
	MaxEvents int   // events per document; default 10,000
	MaxEPCs   int   // EPCs in one event's EPC list; default trace.MaxEPCsPerEvent
	MaxLots   int   // quantity elements of one event together; default trace.MaxLotsPerEvent
}

// DefaultLimits are the limits a zero Limits stands for.
var DefaultLimits = Limits{MaxBytes: 32 << 20, MaxEvents: 10_000, MaxEPCs: trace.MaxEPCsPerEvent, MaxLots: trace.MaxLotsPerEvent}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxEvents <= 0 {
		l.MaxEvents = DefaultLimits.MaxEvents
	}
	if l.MaxEPCs <= 0 {
		l.MaxEPCs = DefaultLimits.MaxEPCs
	}
	if l.MaxLots <= 0 {
		l.MaxLots = DefaultLimits.MaxLots
	}
	return l
}

// ErrTooLarge is wrapped by the errors of a document beyond its Limits.
var ErrTooLarge = errors.New("too large")

// Error is a refused document: where (a JSON path such as
// epcisBody.eventList[2].quantityList[0].epcClass, empty for the document as a whole)
// and why. It wraps trace.ErrInvalid, and ErrTooLarge for a limit.
type Error struct {
	Path    string
	EventID string // the event's eventID, when it has one
	Reason  string
	limit   bool
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("epcis: ")
	if e.Path != "" {
		b.WriteString(e.Path)
		if e.EventID != "" {
			b.WriteString(" (" + e.EventID + ")")
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Unwrap returns trace.ErrInvalid, and ErrTooLarge for a limit.
func (e *Error) Unwrap() []error {
	if e.limit {
		return []error{trace.ErrInvalid, ErrTooLarge}
	}
	return []error{trace.ErrInvalid}
}

func fail(path, format string, args ...any) *Error {
	return &Error{Path: path, Reason: fmt.Sprintf(format, args...)}
}

// countingReader stops reading past max bytes.
type countingReader struct {
	r        io.Reader
	n, max   int64
	exceeded bool
}

var errExceeded = errors.New("document too large")

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n > c.max {
		c.exceeded = true
		return 0, errExceeded
	}
	if int64(len(p)) > c.max-c.n+1 {
		p = p[:c.max-c.n+1]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Decode reads an EPCIS 2.0 JSON-LD EPCISDocument (or a bare JSON array of events)
// from r and maps its events to trace events, in document order. Everything of an
// event that lotsense has no field for is kept in Extra. Decode checks the EPCIS
// structure; the store's own rules (a transformation has input and output lots…)
// are checked by Check, which Capture runs. A refusal is an *Error.
func Decode(r io.Reader, lim Limits) ([]*trace.Event, error) {
	lim = lim.withDefaults()
	cr := &countingReader{r: r, max: lim.MaxBytes}
	d := docDecoder{dec: json.NewDecoder(cr), lim: lim}
	events, err := d.document()
	if cr.exceeded {
		return nil, &Error{Reason: fmt.Sprintf("document larger than %d bytes", lim.MaxBytes), limit: true}
	}
	return events, err
}

type docDecoder struct {
	dec    *json.Decoder
	lim    Limits
	events []*trace.Event
}

func (d *docDecoder) syntax(path string, err error) *Error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fail(path, "JSON syntax error: %v", err)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fail(path, "document ends too soon")
	}
	return fail(path, "%v", err)
}

func (d *docDecoder) document() ([]*trace.Event, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.syntax("", err)
	}
	switch tok {
	case json.Delim('['):
		if err := d.eventList(""); err != nil {
			return nil, err
		}
	case json.Delim('{'):
		if err := d.header(); err != nil {
			return nil, err
		}
	default:
		return nil, fail("", "want an EPCISDocument object or an array of events")
	}
	if _, err := d.dec.Token(); err != io.EOF {
		return nil, fail("", "data after the document")
	}
	return d.events, nil
}

// header reads the document's members; the event list is read as it streams by.
func (d *docDecoder) header() error {
	var typ, version *string
	body := false
	for d.dec.More() {
		key, err := d.key("")
		if err != nil {
			return err
		}
		switch key {
		case "epcisBody":
			if body {
				return fail("epcisBody", "given twice")
			}
			body = true
			if typ != nil {
				if err := checkType(*typ); err != nil {
					return err
				}
			}
			if err := d.body(); err != nil {
				return err
			}
		case "type", "schemaVersion":
			var s string
			if err := d.dec.Decode(&s); err != nil {
				var te *json.UnmarshalTypeError
				if errors.As(err, &te) {
					return fail(key, "want a string")
				}
				return d.syntax(key, err)
			}
			if key == "type" {
				typ = &s
			} else {
				version = &s
			}
		default:
			var skip json.RawMessage
			if err := d.dec.Decode(&skip); err != nil {
				return d.syntax(key, err)
			}
		}
	}
	if _, err := d.dec.Token(); err != nil {
		return d.syntax("", err)
	}
	if typ == nil {
		return fail("type", "missing, want \"EPCISDocument\"")
	}
	if err := checkType(*typ); err != nil {
		return err
	}
	switch {
	case version == nil:
		return fail("schemaVersion", "missing, want \"2.0\"")
	case *version != "2.0" && !strings.HasPrefix(*version, "2.0."):
		return fail("schemaVersion", "%q, want \"2.0\"", *version)
	case !body:
		return fail("epcisBody", "missing")
	}
	return nil
}

func checkType(typ string) error {
	switch typ {
	case "EPCISDocument":
		return nil
	case "EPCISQueryDocument":
		return fail("type", "EPCISQueryDocument is not accepted for capture, want \"EPCISDocument\"")
	}
	return fail("type", "%q, want \"EPCISDocument\"", typ)
}

func (d *docDecoder) key(path string) (string, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return "", d.syntax(path, err)
	}
	key, ok := tok.(string)
	if !ok {
		return "", fail(path, "want a member name")
	}
	return key, nil
}

func (d *docDecoder) body() error {
	if tok, err := d.dec.Token(); err != nil || tok != json.Delim('{') {
		return fail("epcisBody", "want an object")
	}
	list := false
	for d.dec.More() {
		key, err := d.key("epcisBody")
		if err != nil {
			return err
		}
		if key != "eventList" {
			var skip json.RawMessage
			if err := d.dec.Decode(&skip); err != nil {
				return d.syntax("epcisBody."+key, err)
			}
			continue
		}
		if list {
			return fail("epcisBody.eventList", "given twice")
		}
		list = true
		if tok, err := d.dec.Token(); err != nil || tok != json.Delim('[') {
			return fail("epcisBody.eventList", "want an array of events")
		}
		if err := d.eventList("epcisBody.eventList"); err != nil {
			return err
		}
	}
	if _, err := d.dec.Token(); err != nil {
		return d.syntax("epcisBody", err)
	}
	if !list {
		return fail("epcisBody.eventList", "missing")
	}
	return nil
}

// eventList reads events up to the closing bracket, one at a time.
func (d *docDecoder) eventList(path string) error {
	for i := 0; d.dec.More(); i++ {
		at := fmt.Sprintf("%s[%d]", path, i)
		if i >= d.lim.MaxEvents {
			return &Error{Path: at, Reason: fmt.Sprintf("more than %d events", d.lim.MaxEvents), limit: true}
		}
		var raw json.RawMessage
		if err := d.dec.Decode(&raw); err != nil {
			return d.syntax(at, err)
		}
		if !utf8.Valid(raw) {
			return fail(at, "not UTF-8")
		}
		e, err := decodeEvent(raw, at, d.lim)
		if err != nil {
			return err
		}
		d.events = append(d.events, e)
	}
	_, err := d.dec.Token()
	if err != nil {
		return d.syntax(path, err)
	}
	return nil
}
