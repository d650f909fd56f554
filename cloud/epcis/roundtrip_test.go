package epcis

import (
	"bytes"
	"context"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/trace"
	"github.com/lotsense/lotsense/cloud/trace/tracetest"
)

func allEvents(t testing.TB, st *trace.Store) []*trace.Event {
	t.Helper()
	var out []*trace.Event
	err := st.Events(context.Background(), trace.EventFilter{}, func(e *trace.Event) error {
		e.ID = 0 // the store's own id
		out = append(out, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var creationDate = regexp.MustCompile(`"creationDate": "[^"]*"`)

// TestRoundTrip: export the scenario, capture the document into a fresh store,
// export that: the documents are the same but for creationDate, and so are the
// events.
func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	st1 := scenarioStore(t)
	doc1 := export(t, st1)
	want := allEvents(t, st1)

	events, err := Decode(bytes.NewReader(doc1), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(events, want) {
		for i := range want {
			if i < len(events) && !reflect.DeepEqual(events[i], want[i]) {
				t.Errorf("decoded event %d:\n got %+v\nwant %+v", i, *events[i], *want[i])
			}
		}
		t.Fatalf("decoded %d events, want %d equal to the store's", len(events), len(want))
	}

	st2 := openStore(t)
	if n, err := st2.RecordAll(ctx, events); err != nil || n != len(want) {
		t.Fatalf("RecordAll: %d, %v; want %d", n, err, len(want))
	}
	var buf bytes.Buffer
	info := docInfo
	info.Created = time.Now()
	if err := Encode(ctx, &buf, info, storeEvents(st2), st2); err != nil {
		t.Fatal(err)
	}
	doc2 := buf.Bytes()
	a := creationDate.ReplaceAll(doc1, nil)
	b := creationDate.ReplaceAll(doc2, nil)
	if !bytes.Equal(a, b) {
		t.Errorf("second export differs:\n%s\nfirst:\n%s", doc2, doc1)
	}
	if got := allEvents(t, st2); !reflect.DeepEqual(got, want) {
		t.Errorf("events of the second store differ from the first's")
	}
	// The captured record answers trace questions as the original does.
	for _, st := range []*trace.Store{st1, st2} {
		tr, err := st.Trace(ctx, trace.Forward, []string{tracetest.Key(tracetest.RomaineGTIN, tracetest.RomaineL2)})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, l := range tr.Lots {
			keys = append(keys, l.Key)
		}
		wantKeys := []string{tracetest.Key(tracetest.RomaineGTIN, tracetest.RomaineL2), tracetest.Key(tracetest.SaladGTIN, tracetest.Salad2)}
		if !reflect.DeepEqual(keys, wantKeys) || !reflect.DeepEqual(tr.Locations, []string{tracetest.SiteGLN, tracetest.DockGLN, tracetest.ColdRoomGLN, tracetest.PackingGLN, tracetest.FreshMartGLN, tracetest.MetroGLN}) {
			t.Errorf("forward trace of R-L2: lots %v, locations %v", keys, tr.Locations)
		}
	}
}
