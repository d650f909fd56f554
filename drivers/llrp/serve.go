package llrp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/lotsense/lotsense/drivers"
)

// Serve reads the reader's messages until an error or ctx ends: RO_ACCESS_REPORTs go to
// h, KEEPALIVEs are answered with KEEPALIVE_ACK, READER_EVENT_NOTIFICATIONs are logged.
// A corrupt report is logged with the reason and its good tags delivered; a frame of an
// unknown type is skipped. When ctx ends it sends CLOSE_CONNECTION, waits up to
// Options.CloseWait for the response, closes and returns nil. Otherwise it closes the
// connection and returns why: ErrSilent, ErrClosedByReader, a read or framing error
// (after which the stream cannot be resynchronised).
func (c *Conn) Serve(ctx context.Context, h Handler) error {
	var mu sync.Mutex // orders the ctx watcher against arming the read deadline
	closing := false  // set under mu once Shutdown owns the deadlines
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !closing {
			_ = c.nc.SetReadDeadline(time.Unix(1, 0))
		}
	})
	defer stop()
	if h == nil {
		h = func([]drivers.TagRead) {}
	}
	for _, tags := range c.pending {
		h(tags)
	}
	c.pending = nil
	for {
		mu.Lock()
		err := ctx.Err()
		if err == nil {
			err = c.nc.SetReadDeadline(time.Now().Add(c.opts.Silent))
		}
		mu.Unlock()
		if err != nil {
			break
		}
		f, err := c.dec.Next()
		if err == nil {
			err = c.handle(f, h)
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			_ = c.nc.Close()
			return c.readError(err)
		}
	}
	mu.Lock()
	closing = true
	mu.Unlock()
	if err := c.Shutdown(context.Background()); err != nil {
		c.log.Warn("llrp: connection closed without CLOSE_CONNECTION_RESPONSE", "err", err)
	} else {
		c.log.Info("llrp: connection closed")
	}
	return nil
}

// readError names why the read loop ended.
func (c *Conn) readError(err error) error {
	var ne interface{ Timeout() bool }
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("%w for %s: %w", ErrSilent, c.opts.Silent, err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %w", ErrClosedByReader, err)
	}
	return err
}

// handle acts on one frame outside a request/response exchange.
func (c *Conn) handle(f Frame, h Handler) error {
	switch f.Type {
	case MsgROAccessReport:
		c.report(f, h)
	case MsgKeepalive:
		_, err := c.send(MsgKeepaliveAck, nil)
		return err
	case MsgReaderEventNotification:
		return c.event(f)
	case MsgErrorMessage:
		c.log.Warn("llrp: ERROR_MESSAGE from the reader", "id", f.ID, "err", ResponseStatus(f.Body))
	default:
		c.log.Warn("llrp: unexpected message skipped", "frame", f)
	}
	return nil
}

// report decodes an RO_ACCESS_REPORT and hands its tags to h.
func (c *Conn) report(f Frame, h Handler) {
	tags, err := DecodeROAccessReport(f.Body, c.opts.Reader, c.opts.Now(), nil)
	if err != nil {
		c.log.Warn("llrp: RO_ACCESS_REPORT partly skipped", "frame", f, "err", err)
	}
	if len(tags) == 0 {
		return
	}
	DetachEPCs(tags, nil)
	if h == nil { // during setup (a report may come before START_ROSPEC_RESPONSE)
		c.pending = append(c.pending, tags)
		return
	}
	h(tags)
}

// event logs a READER_EVENT_NOTIFICATION; a ConnectionCloseEvent ends the connection.
func (c *Conn) event(f Frame) error {
	ev, err := DecodeReaderEvent(f.Body)
	if err != nil {
		c.log.Warn("llrp: READER_EVENT_NOTIFICATION partly decoded", "frame", f, "err", err)
	}
	switch {
	case ev.ConnectionClose:
		return fmt.Errorf("%w: ConnectionCloseEvent", ErrClosedByReader)
	case ev.Exception != "":
		c.log.Warn("llrp: reader exception", "message", ev.Exception)
	case ev.BufferOverflow:
		c.log.Warn("llrp: reader report buffer overflowed: reports lost")
	case ev.HasAntenna:
		c.log.Info("llrp: antenna event", "antenna", ev.AntennaID, "connected", ev.AntennaUp)
	default:
		c.log.Debug("llrp: reader event", "event", ev)
	}
	return nil
}

// Shutdown ends the connection the way LLRP asks: it sends CLOSE_CONNECTION, waits
// for CLOSE_CONNECTION_RESPONSE until ctx ends or Options.CloseWait has passed
// (dropping any report or event that comes meanwhile), and closes the socket. The
// connection is closed whatever the error says (no response, a refusal). Serve calls it
// when its context ends; call it yourself only on a Conn nobody is serving.
func (c *Conn) Shutdown(ctx context.Context) error {
	defer c.nc.Close()
	if _, err := c.send(MsgCloseConnection, nil); err != nil {
		return err
	}
	deadline := time.Now().Add(c.opts.CloseWait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = c.nc.SetReadDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = c.nc.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	for {
		f, err := c.dec.Next()
		if err != nil {
			return fmt.Errorf("llrp: waiting for %s: %w", MessageType(MsgCloseConnectionResponse), err)
		}
		if f.Type == MsgCloseConnectionResponse {
			if err := ResponseStatus(f.Body); err != nil {
				return fmt.Errorf("llrp: %s: %w", MessageType(MsgCloseConnection), err)
			}
			return nil
		}
	}
}
