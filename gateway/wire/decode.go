package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
)

// DecodeReadings decodes the payload of a readings topic: the binary encoding, or JSON
// when the payload starts with '{'. The result has passed Check.
func DecodeReadings(p []byte) (*ReadingBatch, error) {
	if len(p) > MaxPayload {
		return nil, fmt.Errorf("%w: payload of %d bytes exceeds %d", ErrMalformed, len(p), MaxPayload)
	}
	if len(p) > 0 && p[0] == '{' {
		var b ReadingBatch
		if err := decodeJSON(p, &b, &b.V); err != nil {
			return nil, err
		}
		if err := b.Check(); err != nil {
			return nil, err
		}
		return &b, nil
	}
	return decodeBinaryReadings(p)
}

// EncodeReadingsJSON returns the JSON form of a reading batch (for tools and examples;
// gateways send the binary form).
func EncodeReadingsJSON(b *ReadingBatch) ([]byte, error) {
	c := *b
	c.V = Version
	return json.Marshal(&c)
}

// DecodeEvents decodes and checks the payload of an events topic.
func DecodeEvents(p []byte) (*EventBatch, error) {
	var b EventBatch
	if err := decodeJSON(p, &b, &b.V); err != nil {
		return nil, err
	}
	if err := b.Header.Check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if len(b.Events) == 0 || len(b.Events) > MaxBatchItems {
		return nil, fmt.Errorf("%w: event batch has %d events, want 1 to %d", ErrMalformed, len(b.Events), MaxBatchItems)
	}
	if b.FirstSeq > math.MaxUint64-uint64(len(b.Events)) {
		return nil, fmt.Errorf("%w: sequence range overflows", ErrMalformed)
	}
	for i, e := range b.Events {
		if e.Type == "" || e.Time.IsZero() || len(e.Lots) > MaxLotsPerItem {
			return nil, fmt.Errorf("%w: event %d: needs a type, a time and at most %d lots", ErrMalformed, i, MaxLotsPerItem)
		}
	}
	return &b, nil
}

// DecodeAlarms decodes and checks the payload of an alarms topic.
func DecodeAlarms(p []byte) (*AlarmBatch, error) {
	var b AlarmBatch
	if err := decodeJSON(p, &b, &b.V); err != nil {
		return nil, err
	}
	if err := b.Header.Check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if len(b.Alarms) == 0 || len(b.Alarms) > MaxBatchItems {
		return nil, fmt.Errorf("%w: alarm batch has %d alarms, want 1 to %d", ErrMalformed, len(b.Alarms), MaxBatchItems)
	}
	if b.FirstSeq > math.MaxUint64-uint64(len(b.Alarms)) {
		return nil, fmt.Errorf("%w: sequence range overflows", ErrMalformed)
	}
	for i, a := range b.Alarms {
		if a.Kind == "" || a.Time.IsZero() || (a.State != "raised" && a.State != "cleared") {
			return nil, fmt.Errorf("%w: alarm %d: needs a kind, a time and state raised or cleared", ErrMalformed, i)
		}
		if err := checkRanges(a.Seqs); err != nil {
			return nil, fmt.Errorf("%w: alarm %d: %w", ErrMalformed, i, err)
		}
	}
	return &b, nil
}

// DecodeStatus decodes and checks the payload of a status topic.
func DecodeStatus(p []byte) (*Status, error) {
	var s Status
	if err := decodeJSON(p, &s, &s.V); err != nil {
		return nil, err
	}
	if err := CheckID("site", s.Site); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if err := CheckID("gateway", s.Gateway); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if s.State != StateOnline && s.State != StateOffline {
		return nil, fmt.Errorf("%w: status state %q, want online or offline", ErrMalformed, s.State)
	}
	return &s, nil
}

// Decode decodes any JSON payload of this contract (status, holds, lot map, config,
// event and alarm batches) into v, which must have a V field passed as version.
func Decode(p []byte, v any, version *int) error { return decodeJSON(p, v, version) }

// Encode returns the JSON encoding of a payload, with its version set by the caller.
func Encode(v any) ([]byte, error) { return json.Marshal(v) }

func decodeJSON(p []byte, v any, version *int) error {
	if len(p) > MaxPayload {
		return fmt.Errorf("%w: payload of %d bytes exceeds %d", ErrMalformed, len(p), MaxPayload)
	}
	p = bytes.TrimSpace(p)
	if len(p) == 0 || p[0] != '{' {
		return fmt.Errorf("%w: want a JSON object", ErrMalformed)
	}
	// Read the version alone first: a newer gateway's payload may not fit our types,
	// and "unknown version" is a more useful verdict than the type error it would cause.
	var probe struct {
		V *int `json:"v"`
	}
	if err := json.Unmarshal(p, &probe); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if probe.V == nil {
		return fmt.Errorf("%w: no \"v\" (version) field", ErrMalformed)
	}
	if *probe.V != Version {
		return fmt.Errorf("%w: payload version %d, this receiver knows %d", ErrUnknownVersion, *probe.V, Version)
	}
	if err := json.Unmarshal(p, v); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	*version = *probe.V
	return nil
}

// checkRanges requires at most MaxAlarmRanges ascending, disjoint ranges of
// sequence numbers from 1.
func checkRanges(rs []SeqRange) error {
	if len(rs) > MaxAlarmRanges {
		return fmt.Errorf("%d sequence ranges, at most %d", len(rs), MaxAlarmRanges)
	}
	var prev uint64
	for j, r := range rs {
		if r.First == 0 || r.Last < r.First || (j > 0 && r.First <= prev) {
			return fmt.Errorf("sequence range %d (%d-%d) must start at 1 or later, end at or after its start and follow range %d", j, r.First, r.Last, j-1)
		}
		prev = r.Last
	}
	return nil
}

// DecodeLotMap decodes and checks the payload of a lotmap topic (at most MaxPayload
// bytes, about 100,000 tags): ids where ids belong. Lot keys and EPCs are checked by the
// gateway that applies them, entry by entry, so one bad entry does not throw away the
// whole map.
func DecodeLotMap(p []byte) (*LotMap, error) {
	var m LotMap
	if err := decodeJSON(p, &m, &m.V); err != nil {
		return nil, err
	}
	if err := CheckID("site", m.Site); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	for loc := range m.Locations {
		if err := CheckID("location", loc); err != nil {
			return nil, fmt.Errorf("%w: lot map: %w", ErrMalformed, err)
		}
	}
	return &m, nil
}
