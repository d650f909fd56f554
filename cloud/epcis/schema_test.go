package epcis

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// lookahead runs the schema's patterns on Go's regexp, which has no lookahead: the
// GS1 schema's two "^(?!(X))" patterns (a URI that is not a CBV or GS1 Web vocabulary
// one) are "does not match ^(X)".
type lookahead struct {
	src string
	re  *regexp.Regexp
	not bool
}

func (l lookahead) MatchString(s string) bool { return l.re.MatchString(s) != l.not }
func (l lookahead) String() string            { return l.src }

func regexpEngine(s string) (jsonschema.Regexp, error) {
	if inner, ok := strings.CutPrefix(s, "^(?!"); ok && strings.HasSuffix(inner, ")") {
		re, err := regexp.Compile("^" + strings.TrimSuffix(inner, ")"))
		return lookahead{s, re, true}, err
	}
	re, err := regexp.Compile(s)
	return lookahead{s, re, false}, err
}

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

// epcisSchema compiles testdata/EPCIS-JSON-Schema.json with format assertions on
// (uri, date-time).
func epcisSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		f, err := os.Open("testdata/EPCIS-JSON-Schema.json")
		if err != nil {
			schemaErr = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.UseRegexpEngine(regexpEngine)
		c.AssertFormat()
		const url = "https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json"
		if schemaErr = c.AddResource(url, doc); schemaErr != nil {
			return
		}
		schema, schemaErr = c.Compile(url)
	})
	if schemaErr != nil {
		t.Fatalf("compile the EPCIS schema: %v", schemaErr)
	}
	return schema
}

// validate checks doc against the GS1 EPCIS 2.0 JSON Schema.
func validate(t testing.TB, doc []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return epcisSchema(t).Validate(inst)
}

func TestSchemaAcceptsGS1Examples(t *testing.T) {
	for _, name := range gs1Examples {
		doc, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(t, doc); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestSchemaRefusesABadDocument(t *testing.T) {
	// The schema (with the lookahead engine) must be able to say no, or the
	// export's validation proves nothing.
	for name, doc := range map[string]string{
		"no action":       `{"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-01-01T00:00:00Z","epcisBody":{"eventList":[{"type":"ObjectEvent","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","epcList":["urn:epc:id:sgtin:0614141.107346.1"]}]}}`,
		"CBV URN bizStep": `{"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-01-01T00:00:00Z","epcisBody":{"eventList":[{"type":"ObjectEvent","action":"OBSERVE","bizStep":"urn:epcglobal:cbv:bizstep:shipping","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","epcList":["urn:epc:id:sgtin:0614141.107346.1"]}]}}`,
		"bad uom":         `{"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-01-01T00:00:00Z","epcisBody":{"eventList":[{"type":"ObjectEvent","action":"OBSERVE","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","quantityList":[{"epcClass":"urn:epc:class:lgtin:0614141.107346.L1","quantity":1,"uom":"kilo"}]}]}}`,
		"relative id":     `{"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-01-01T00:00:00Z","epcisBody":{"eventList":[{"type":"ObjectEvent","action":"OBSERVE","eventID":"4501","eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","epcList":["urn:epc:id:sgtin:0614141.107346.1"]}]}}`,
	} {
		if err := validate(t, []byte(doc)); err == nil {
			t.Errorf("%s: the schema accepts it", name)
		}
	}
}

var gs1Examples = []string{"Example_9.6.1-ObjectEvent.jsonld", "Example_9.6.4-TransformationEvent.jsonld", "SensorDataExample1.jsonld"}
