package llrp

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// HeaderSize is the size of an LLRP message header: 3 bits reserved, 3 bits version,
// 10 bits message type, 32 bits message length (header included), 32 bits message id.
const HeaderSize = 10

// Version is the protocol version LLRP 1.0.1 puts in every message header.
const Version = 1

// DefaultMaxFrame is the largest message ReadFrame and a Decoder built with max 0
// accept. Real RO_ACCESS_REPORTs are a few kB to a few hundred kB.
const DefaultMaxFrame = 1 << 20

// Errors a frame reader returns (wrapped, test with errors.Is). After any of them the
// stream position is unknown: the connection has to be closed.
var (
	ErrFrameTooLarge = errors.New("llrp: frame larger than the maximum")
	ErrFrameLength   = errors.New("llrp: frame length shorter than the header")
)

// Frame is one LLRP message. Body is everything after the 10-byte header; where it
// points depends on the function that returned the frame.
type Frame struct {
	Version uint16
	Type    uint16
	ID      uint32
	Body    []byte
}

// String names the frame for logs: "RO_ACCESS_REPORT#12 (340 bytes)".
func (f Frame) String() string {
	return fmt.Sprintf("%s#%d (%d bytes)", MessageType(f.Type), f.ID, len(f.Body))
}

// parseHeader decodes a 10-byte header and returns the body length.
func parseHeader(h []byte, max int) (Frame, int, error) {
	v := binary.BigEndian.Uint16(h)
	n := binary.BigEndian.Uint32(h[2:])
	f := Frame{Version: v >> 10 & 7, Type: v & 0x3ff, ID: binary.BigEndian.Uint32(h[6:])}
	if n < HeaderSize {
		return f, 0, fmt.Errorf("%w: %s length %d", ErrFrameLength, MessageType(f.Type), n)
	}
	if uint64(n) > uint64(max) {
		return f, 0, fmt.Errorf("%w: %s length %d > %d", ErrFrameTooLarge, MessageType(f.Type), n, max)
	}
	return f, int(n) - HeaderSize, nil
}

// ReadFrame reads one message from r into buf (grown when too small) and returns it with
// the buffer to pass to the next call. The frame's Body aliases that buffer, so it is
// valid until the buffer is reused. Frames over DefaultMaxFrame are refused.
func ReadFrame(r io.Reader, buf []byte) (Frame, []byte, error) {
	return readFrame(r, buf, DefaultMaxFrame)
}

func readFrame(r io.Reader, buf []byte, max int) (Frame, []byte, error) {
	var h [HeaderSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if err == io.EOF {
			return Frame{}, buf, io.EOF // clean end between frames
		}
		return Frame{}, buf, fmt.Errorf("llrp: read header: %w", err)
	}
	f, n, err := parseHeader(h[:], max)
	if err != nil {
		return f, buf, err
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return f, buf, fmt.Errorf("llrp: read %s body: %w", MessageType(f.Type), err)
	}
	f.Body = buf
	return f, buf, nil
}

// Decoder reads one message at a time from a stream, reusing one body buffer.
type Decoder struct {
	r   *bufio.Reader
	buf []byte
	max int
}

// NewDecoder returns a Decoder reading from r (wrapped in a bufio.Reader unless it is
// one) that refuses frames larger than max bytes (DefaultMaxFrame when max <= 0).
func NewDecoder(r io.Reader, max int) *Decoder {
	if max <= 0 {
		max = DefaultMaxFrame
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &Decoder{r: br, max: max}
}

// Next returns the next message. Its Body is valid until the following call to Next;
// copy what must outlive it. io.EOF means the stream ended cleanly between messages.
func (d *Decoder) Next() (Frame, error) {
	f, buf, err := readFrame(d.r, d.buf, d.max)
	d.buf = buf
	return f, err
}

// AppendMessage appends a complete LLRP 1.0.1 message (header and body) to dst.
func AppendMessage(dst []byte, typ uint16, id uint32, body []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, Version<<10|typ&0x3ff)
	dst = binary.BigEndian.AppendUint32(dst, uint32(HeaderSize+len(body)))
	dst = binary.BigEndian.AppendUint32(dst, id)
	return append(dst, body...)
}

// WriteMessage writes one message to w in a single Write call.
func WriteMessage(w io.Writer, typ uint16, id uint32, body []byte) error {
	if _, err := w.Write(AppendMessage(make([]byte, 0, HeaderSize+len(body)), typ, id, body)); err != nil {
		return fmt.Errorf("llrp: write %s: %w", MessageType(typ), err)
	}
	return nil
}
