package llrp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/lotsense/lotsense/drivers"
)

// DefaultPort is the IANA port of LLRP over TCP.
const DefaultPort = "5084"

// Errors a connection returns (wrapped, test with errors.Is).
var (
	// ErrAnotherClient means the reader refused the connection because another client
	// is connected (ConnectionAttemptEvent other than Success).
	ErrAnotherClient = errors.New("llrp: reader refused the connection: another client is connected")
	// ErrSilent means the reader sent nothing, not even a KEEPALIVE, for Options.Silent.
	ErrSilent = errors.New("llrp: reader silent")
	// ErrClosedByReader means the reader announced ConnectionCloseEvent or closed the stream.
	ErrClosedByReader = errors.New("llrp: connection closed by the reader")
	// ErrUnsupportedOption means the options ask for something the reader's capabilities
	// do not offer (a transmit power index not in its table, an antenna it does not have).
	ErrUnsupportedOption = errors.New("llrp: option not supported by the reader")
)

// Options configure a reader connection. Zero values take the defaults noted.
type Options struct {
	Address       string   // host or host:port; port 5084 when missing
	Reader        string   // reader id put in every TagRead
	Antennas      []uint16 // antennas the ROSpec inventories; empty = all
	TransmitPower uint16   // TransmitPowerLevelTable index (checked by Dial); 0 = reader's setting
	// ReportEvery: an RO_ACCESS_REPORT every N tag reads; default 1. (The AISpec has a
	// Null stop trigger, so "at the end of the AISpec" would be never.)
	ReportEvery uint16
	ROSpecID    uint32 // default 1

	Keepalive   time.Duration // reader KEEPALIVE period; default 5s
	Silent      time.Duration // dead after this long without a frame; default 3×Keepalive
	DialTimeout time.Duration // TCP connect + setup timeout; default 10s
	CloseWait   time.Duration // wait for CLOSE_CONNECTION_RESPONSE; default 1s
	MinBackoff  time.Duration // first reconnect delay; default 500ms
	MaxBackoff  time.Duration // longest reconnect delay; default 30s

	// OnState, when set, is called by Run from its goroutine: connected true once a
	// connection is set up, false with the error when it is lost or a dial fails.
	OnState func(connected bool, err error)
	// OnCapabilities, when set, is called by Dial (on its goroutine) with what the
	// reader said in GET_READER_CAPABILITIES_RESPONSE, before the options are checked
	// against it: also when that check then fails the Dial.
	OnCapabilities func(Capabilities)

	Logger *slog.Logger     // default slog.Default()
	Now    func() time.Time // TagRead time when the reader sent none; default time.Now
}

// withDefaults returns o with the defaults filled in.
func (o Options) withDefaults() Options {
	if _, _, err := net.SplitHostPort(o.Address); err != nil {
		o.Address = net.JoinHostPort(strings.Trim(o.Address, "[]"), DefaultPort)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Keepalive, 5*time.Second)
	def(&o.Silent, 3*o.Keepalive)
	def(&o.DialTimeout, 10*time.Second)
	def(&o.CloseWait, time.Second)
	def(&o.MinBackoff, 500*time.Millisecond)
	def(&o.MaxBackoff, 30*time.Second)
	if o.ROSpecID == 0 {
		o.ROSpecID = 1
	}
	if o.ReportEvery == 0 {
		o.ReportEvery = 1
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Handler receives the TagReads of one RO_ACCESS_REPORT. The slice and its EPCs belong
// to the handler (they are not reused). It runs on the connection's goroutine: a slow
// handler delays KEEPALIVE_ACKs.
type Handler func([]drivers.TagRead)

// Conn is one set-up LLRP connection: the ROSpec is added and started. It is used by
// one goroutine (Serve); Close may be called from any.
type Conn struct {
	opts Options
	nc   net.Conn
	dec  *Decoder
	id   uint32
	log  *slog.Logger
	wbuf []byte
	caps Capabilities

	pending [][]drivers.TagRead // reports that came during setup, for Serve's handler
}

// Dial connects to the reader, waits for its ConnectionAttemptEvent and sets it up:
// GET_READER_CAPABILITIES (decoded and kept, see Capabilities; the options are checked
// against it), SET_READER_CONFIG (keepalive and report spec), DELETE_ROSPEC (all),
// ADD_, ENABLE_ and START_ROSPEC, each checked. A reader that has another client
// returns an error wrapping ErrAnotherClient; options the reader cannot honour, one
// wrapping ErrUnsupportedOption.
func Dial(ctx context.Context, opts Options) (*Conn, error) {
	opts = opts.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, opts.DialTimeout)
	defer cancel()
	nc, err := (&net.Dialer{}).DialContext(ctx, "tcp", opts.Address)
	if err != nil {
		return nil, fmt.Errorf("llrp: dial %s: %w", opts.Address, err)
	}
	c := &Conn{opts: opts, nc: nc, dec: NewDecoder(nc, 0), log: opts.Logger.With("reader", opts.Reader, "addr", opts.Address)}
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	err = c.setup()
	if !stop() || ctx.Err() != nil {
		err = errors.Join(err, ctx.Err())
	}
	if err != nil {
		_ = nc.Close()
		return nil, fmt.Errorf("llrp: set up %s: %w", opts.Address, err)
	}
	_ = nc.SetDeadline(time.Time{})
	return c, nil
}

// setup runs the connection handshake, reads the capabilities and sets up the ROSpec.
func (c *Conn) setup() error {
	if err := c.awaitConnected(); err != nil {
		return err
	}
	if err := c.readCapabilities(); err != nil {
		return err
	}
	report := &ReportSpec{Trigger: ReportNTagsOrAISpec, N: c.opts.ReportEvery, Content: SelectPortal}
	steps := []struct {
		typ  uint16
		body []byte
	}{
		{MsgSetReaderConfig, AppendSetReaderConfig(nil, ReaderConfig{Keepalive: c.opts.Keepalive, Report: report})},
		{MsgDeleteROSpec, AppendROSpecID(nil, 0)},
		{MsgAddROSpec, AppendROSpec(nil, ROSpec{ID: c.opts.ROSpecID, Antennas: c.opts.Antennas,
			TransmitPower: c.opts.TransmitPower, Report: report})},
		{MsgEnableROSpec, AppendROSpecID(nil, c.opts.ROSpecID)},
		{MsgStartROSpec, AppendROSpecID(nil, c.opts.ROSpecID)},
	}
	for _, s := range steps {
		if _, err := c.call(s.typ, s.body); err != nil {
			return err
		}
	}
	c.log.Info("llrp: reader set up", "rospec", c.opts.ROSpecID, "antennas", c.opts.Antennas)
	return nil
}

// awaitConnected reads until the reader's ConnectionAttemptEvent.
func (c *Conn) awaitConnected() error {
	for {
		f, err := c.dec.Next()
		if err != nil {
			return fmt.Errorf("llrp: waiting for ConnectionAttemptEvent: %w", err)
		}
		if f.Type != MsgReaderEventNotification {
			c.log.Warn("llrp: frame before ConnectionAttemptEvent ignored", "frame", f)
			continue
		}
		ev, err := DecodeReaderEvent(f.Body)
		if err != nil {
			return fmt.Errorf("llrp: READER_EVENT_NOTIFICATION: %w", err)
		}
		if !ev.HasConnectionAttempt {
			continue
		}
		switch ev.ConnectionAttempt {
		case ConnectionSuccess:
			return nil
		case ConnectionReaderInitiatedExists, ConnectionClientInitiatedExists:
			return fmt.Errorf("%w (%s)", ErrAnotherClient, ev.ConnectionAttempt)
		}
		return fmt.Errorf("llrp: connection attempt failed: %s", ev.ConnectionAttempt)
	}
}

// call sends one request and reads frames, handling KEEPALIVE and events, until its
// response; the response's LLRPStatus decides the error. The response body it returns
// is valid until the next read from the connection.
func (c *Conn) call(typ uint16, body []byte) ([]byte, error) {
	id, err := c.send(typ, body)
	if err != nil {
		return nil, err
	}
	want := uint16(typ + 10)
	for {
		f, err := c.dec.Next()
		if err != nil {
			return nil, fmt.Errorf("llrp: waiting for %s: %w", MessageType(want), err)
		}
		switch {
		case f.Type == want:
			if err := ResponseStatus(f.Body); err != nil {
				return nil, fmt.Errorf("llrp: %s: %w", MessageType(typ), err)
			}
			return f.Body, nil
		case f.Type == MsgErrorMessage && f.ID == id:
			return nil, fmt.Errorf("llrp: %s refused: ERROR_MESSAGE: %w", MessageType(typ), ResponseStatus(f.Body))
		}
		if err := c.handle(f, nil); err != nil {
			return nil, err
		}
	}
}

// send writes one message with the next message id and returns that id.
func (c *Conn) send(typ uint16, body []byte) (uint32, error) {
	c.id++
	c.wbuf = AppendMessage(c.wbuf[:0], typ, c.id, body)
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.opts.Silent))
	if _, err := c.nc.Write(c.wbuf); err != nil {
		return c.id, fmt.Errorf("llrp: write %s: %w", MessageType(typ), err)
	}
	return c.id, nil
}

// Capabilities returns what the reader said about itself during Dial. Its slices are
// shared: do not modify them.
func (c *Conn) Capabilities() Capabilities { return c.caps }

// Close closes the TCP connection without CLOSE_CONNECTION (Shutdown sends it; Serve
// does when its context ends).
func (c *Conn) Close() error {
	if err := c.nc.Close(); err != nil {
		return fmt.Errorf("llrp: close: %w", err)
	}
	return nil
}
