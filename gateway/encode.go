package gateway

import (
	"encoding/json"
	"fmt"

	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/publish"
	"github.com/lotsense/lotsense/gateway/wire"
)

// encoder turns runs of outbox records into wire payloads (publish.Encoder). It is
// used by the publisher's one goroutine only.
type encoder struct {
	hdr      wire.Header // Site, Gateway, Boot, Epoch; FirstSeq set per batch
	readings wire.ReadingEncoder
	batch    wire.ReadingBatch
	intern   interner
	buf      []byte
}

func newEncoder(site, gateway, boot, epoch string) *encoder {
	return &encoder{hdr: wire.Header{Site: site, Gateway: gateway, Boot: boot, Epoch: epoch}, intern: interner{}}
}

func (e *encoder) encode(s outbox.Stream, first uint64, records [][]byte) (string, []byte, error) {
	h := e.hdr
	h.FirstSeq = first
	switch s {
	case outbox.Readings:
		return e.encodeReadings(h, records)
	case outbox.Events:
		b := wire.EventBatch{V: wire.Version, Header: h, Events: make([]wire.Event, len(records))}
		if err := unmarshalAll(records, b.Events); err != nil {
			return "", nil, err
		}
		p, err := json.Marshal(&b)
		return wire.Topic(h.Site, h.Gateway, wire.KindEvents), p, err
	case outbox.Alarms:
		b := wire.AlarmBatch{V: wire.Version, Header: h, Alarms: make([]wire.Alarm, len(records))}
		if err := unmarshalAll(records, b.Alarms); err != nil {
			return "", nil, err
		}
		p, err := json.Marshal(&b)
		return wire.Topic(h.Site, h.Gateway, wire.KindAlarms), p, err
	}
	return "", nil, fmt.Errorf("gateway: no encoding for outbox stream %d", s)
}

func (e *encoder) encodeReadings(h wire.Header, records [][]byte) (string, []byte, error) {
	b := &e.batch
	b.Header = h
	if cap(b.Readings) < len(records) {
		b.Readings = make([]wire.Reading, len(records))
	}
	b.Readings = b.Readings[:len(records)]
	for i, rec := range records {
		if err := decodeReadingRecord(rec, &b.Readings[i], e.intern); err != nil {
			return "", nil, fmt.Errorf("gateway: reading seq %d: %w", h.FirstSeq+uint64(i), err)
		}
	}
	var err error
	// The payload must outlive this call (paho keeps it until PUBACK): a new buffer each time.
	e.buf, err = e.readings.Encode(make([]byte, 0, 64+16*len(records)), b)
	return wire.Topic(h.Site, h.Gateway, wire.KindReadings), e.buf, err
}

func unmarshalAll[T any](records [][]byte, out []T) error {
	for i, r := range records {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			return fmt.Errorf("gateway: outbox record %d: %w", i, err)
		}
	}
	return nil
}

// NewBatchEncoder returns the encoder the gateway gives its publisher: outbox records
// of one stream become one wire payload and its topic. Exported for benchmarks and
// tools that drive an outbox and publisher without the sensor side.
func NewBatchEncoder(site, gateway, boot, epoch string) publish.Encoder {
	return newEncoder(site, gateway, boot, epoch).encode
}

// ReadingRecord appends the outbox record of r to dst (see record.go).
func ReadingRecord(dst []byte, r *wire.Reading) []byte { return appendReadingRecord(dst, r) }
