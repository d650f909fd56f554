package epcis

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/lotsense/lotsense/cloud/trace"
)

// Contexts of every document Encode writes: the EPCIS 2.0 standard context, and
// lotsense's namespace for the extension fields it adds (lotsense:site, …).
const (
	StandardContext = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
	// Namespace is the IRI the lotsense: prefix stands for.
	Namespace = "https://github.com/lotsense/lotsense/blob/main/cloud/epcis/README.md#"
)

// DocumentInfo is what an EPCISDocument says about itself.
type DocumentInfo struct {
	// ID is the document's id, a URI; empty leaves it out.
	ID string
	// Created is the creationDate; zero means now.
	Created time.Time
}

// Events walks the events to export: it calls fn for each, in order, and returns fn's
// first error. A *trace.Store walk is
//
//	func(fn func(*trace.Event) error) error { return st.Events(ctx, filter, fn) }
type Events func(fn func(*trace.Event) error) error

// Slice walks events held in memory.
func Slice(events []*trace.Event) Events {
	return func(fn func(*trace.Event) error) error {
		for _, e := range events {
			if err := fn(e); err != nil {
				return err
			}
		}
		return nil
	}
}

// Products tells the GS1 company prefix length of a product's GTIN, which lgtin URIs
// need; *trace.Store is one. A product it does not know (an error wrapping
// trace.ErrNotFound) gets DefaultPrefixLength.
type Products interface {
	Product(ctx context.Context, gtin string) (trace.Product, error)
}

// Encode writes an EPCIS 2.0 JSON-LD EPCISDocument to w: the header, then each event
// as events gives it, so memory does not grow with the number of events. products
// may be nil (every GTIN then has DefaultPrefixLength). When Encode fails, what it
// wrote is not a whole document.
func Encode(ctx context.Context, w io.Writer, doc DocumentInfo, events Events, products Products) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := encoder{ctx: ctx, products: products, prefix: map[string]int{}}
	created := doc.Created
	if created.IsZero() {
		created = time.Now()
	}
	if err := writeHeader(bw, doc, created); err != nil {
		return err
	}
	n := 0
	err := events(func(e *trace.Event) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		obj, err := enc.event(e)
		if err != nil {
			return fmt.Errorf("epcis: export event %s (%s): %w", e.EventID, e.Type, err)
		}
		if n > 0 {
			bw.WriteString(",\n")
		}
		n++
		bw.WriteString("      ")
		if err := obj.write(bw, "      "); err != nil {
			return err
		}
		if bw.Buffered() > 32<<10 {
			return bw.Flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n > 0 {
		bw.WriteString("\n")
	}
	bw.WriteString("    ]\n  }\n}\n")
	return bw.Flush()
}

func writeHeader(bw *bufio.Writer, doc DocumentInfo, created time.Time) error {
	ctxJSON, err := json.Marshal([]any{StandardContext, map[string]string{"lotsense": Namespace}})
	if err != nil {
		return err
	}
	if doc.ID != "" && !isURI(doc.ID) {
		return fmt.Errorf("epcis: document id %q is not a URI", doc.ID)
	}
	bw.WriteString("{\n  \"@context\": ")
	bw.Write(ctxJSON)
	if doc.ID != "" {
		bw.WriteString(",\n  \"id\": ")
		bw.Write(quote(doc.ID))
	}
	bw.WriteString(",\n  \"type\": \"EPCISDocument\",\n  \"schemaVersion\": \"2.0\",\n  \"creationDate\": ")
	bw.Write(quote(created.UTC().Format(time.RFC3339Nano)))
	bw.WriteString(",\n  \"epcisBody\": {\n    \"eventList\": [\n")
	return nil
}

func quote(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}

// object is a JSON object whose members keep their order.
type object []member

type member struct {
	key string
	val json.RawMessage
}

func (o *object) add(key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	*o = append(*o, member{key, b})
	return nil
}

func (o *object) str(key, v string) {
	if v != "" {
		*o = append(*o, member{key, quote(v)})
	}
}

func (o object) has(key string) bool {
	for _, m := range o {
		if m.key == key {
			return true
		}
	}
	return false
}

// write writes o on one line per member, indented.
func (o object) write(bw *bufio.Writer, indent string) error {
	bw.WriteString("{")
	for i, m := range o {
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n" + indent + "  ")
		bw.Write(quote(m.key))
		bw.WriteString(": ")
		bw.Write(m.val)
	}
	bw.WriteString("\n" + indent + "}")
	return nil
}
