package epcis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lotsense/lotsense/cloud/trace"
)

// Check applies the store's rules (trace.Event.Validate) to decoded events, so a
// capture is refused before anything is written; the error names the event by its
// index in the document's event list.
func Check(events []*trace.Event) error {
	for i, e := range events {
		c := *e
		if c.EventID == "" {
			c.EventID = "(none)" // the store gives one
		}
		if err := c.Validate(); err != nil {
			// trace: event <id> (<type>): <reason>: invalid
			reason := strings.TrimSuffix(err.Error(), ": "+trace.ErrInvalid.Error())
			reason = strings.TrimPrefix(reason, "trace: event "+c.EventID+" ("+c.Type+"): ")
			return &Error{Path: fmt.Sprintf("eventList[%d]", i), EventID: e.EventID, Reason: c.Type + " event: " + reason}
		}
	}
	return nil
}

// Recorder records events in one transaction: *trace.Store.
type Recorder interface {
	RecordAll(ctx context.Context, events []*trace.Event) (int, error)
}

// Capture reads an EPCIS document from r, checks every event and records them all in
// one transaction, or none. Each event's Source becomes source ("epcis:<capture
// id>") when source is given, and its recordTime is the time lotsense records it, as
// EPCIS capture wants. It returns the events (with the ids the store gave) and how
// many were new; events recorded before (same eventID) are not recorded again.
func Capture(ctx context.Context, rec Recorder, r io.Reader, lim Limits, source string) ([]*trace.Event, int, error) {
	events, err := Decode(r, lim)
	if err != nil {
		return nil, 0, err
	}
	for _, e := range events {
		if source != "" {
			e.Source = source
		}
		e.Recorded = time.Time{}
	}
	if err := Check(events); err != nil {
		return nil, 0, err
	}
	n, err := rec.RecordAll(ctx, events)
	if err != nil {
		if errors.Is(err, trace.ErrInvalid) {
			return nil, 0, &Error{Reason: strings.TrimPrefix(err.Error(), "trace: ")}
		}
		return nil, 0, fmt.Errorf("epcis: capture: %w", err)
	}
	return events, n, nil
}
