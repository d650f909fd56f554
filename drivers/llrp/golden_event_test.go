package llrp

import (
	"errors"
	"testing"
	"time"
)

// TestGoldenStatus decodes the LLRPStatus of every response in dx101_a.bin; the one
// refusal in it (ENABLE_ROSPEC_RESPONSE #105: M_FieldError, field 1 A_Invalid) must come
// back as a *StatusError.
func TestGoldenStatus(t *testing.T) {
	frames, msgs := readGoldenFrames(t), loadGoldenXML(t)
	checked, refused := 0, 0
	for i, f := range frames {
		if msgs[i].Status == "" {
			continue
		}
		checked++
		err := ResponseStatus(f.Body)
		var se *StatusError
		switch {
		case msgs[i].Status == "M_Success" && err != nil:
			t.Errorf("%v: %v", f, err)
		case msgs[i].Status != "M_Success" && (!errors.As(err, &se) || se.Code.String() != msgs[i].Status):
			t.Errorf("%v: %v, xml says %s", f, err, msgs[i].Status)
		case se != nil:
			refused++
			if f.ID != 105 || se.Code != StatusFieldError || se.FieldNum != 1 || se.FieldCode != StatusInvalid {
				t.Errorf("%v: %+v", f, se)
			}
		}
	}
	if checked != 20 || refused != 1 {
		t.Errorf("checked %d statuses, %d refusals; want 20, 1", checked, refused)
	}
}

// TestGoldenEvents decodes every READER_EVENT_NOTIFICATION (891 of them: connection
// attempt, ROSpec start/end, AISpec ends, hopping) against the XML.
func TestGoldenEvents(t *testing.T) {
	frames, msgs := readGoldenFrames(t), loadGoldenXML(t)
	n := 0
	for i, f := range frames {
		if f.Type != MsgReaderEventNotification {
			continue
		}
		n++
		ev, err := DecodeReaderEvent(f.Body)
		want := msgs[i].Event
		ts, perr := time.Parse(time.RFC3339Nano, want.Time)
		if err != nil || perr != nil || !ev.Time.Equal(ts) {
			t.Fatalf("%v: %+v %v %v", f, ev, err, perr)
		}
		if (want.Connection != "") != ev.HasConnectionAttempt || (want.Connection != "" && ev.ConnectionAttempt.String() != want.Connection) {
			t.Errorf("%v: connection %v, xml %q", f, ev.ConnectionAttempt, want.Connection)
		}
		if want.ROSpecType != "" && (!ev.HasROSpec || ev.ROSpecID != want.ROSpecID ||
			[]string{"Start_Of_ROSpec", "End_Of_ROSpec", "Preemption_Of_ROSpec"}[ev.ROSpecEvent] != want.ROSpecType) {
			t.Errorf("%v: %+v, xml %+v", f, ev, want)
		}
	}
	first, _ := DecodeReaderEvent(frames[0].Body)
	if n != 891 || !first.HasConnectionAttempt || first.ConnectionAttempt != ConnectionSuccess ||
		!first.Time.Equal(time.Date(2007, 3, 7, 17, 1, 18, 714842000, time.UTC)) {
		t.Errorf("%d events, first %+v", n, first)
	}
}
