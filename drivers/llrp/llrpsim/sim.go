package llrpsim

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/lotsense/lotsense/drivers/llrp"
)

// Options configure a Reader. Zero values take the defaults noted.
type Options struct {
	Clock  func() time.Time // FirstSeenTimestampUTC of played reads; default time.Now
	Logger *slog.Logger     // default slog.Default()
	// Capabilities answer GET_READER_CAPABILITIES; default DefaultCapabilities().
	Capabilities *llrp.Capabilities
}

// Stats counts what the emulator saw, for test assertions.
type Stats struct {
	Connections      int // accepted and given ConnectionAttemptEvent Success
	Refused          int // refused with "another client is connected"
	Starts           int // START_ROSPEC accepted
	Keepalives       int // KEEPALIVE sent
	KeepaliveAcks    int // KEEPALIVE_ACK received
	Reports          int // RO_ACCESS_REPORT sent
	CloseConnections int // CLOSE_CONNECTION received
}

// Reader is an emulated LLRP reader listening on 127.0.0.1.
type Reader struct {
	opts Options
	ln   net.Listener
	log  *slog.Logger
	wg   sync.WaitGroup

	mu     sync.Mutex
	cur    *session // the connected client; nil when none
	queue  []Pass   // passes waiting for a started ROSpec
	stats  Stats
	closed bool
}

// Start listens on 127.0.0.1:0 and serves clients until Close.
func Start(opts Options) (*Reader, error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	caps := DefaultCapabilities()
	if opts.Capabilities != nil {
		caps = *opts.Capabilities
	}
	opts.Capabilities = &caps
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("llrpsim: listen: %w", err)
	}
	r := &Reader{opts: opts, ln: ln, log: opts.Logger.With("sim", ln.Addr().String())}
	r.wg.Add(1)
	go r.accept()
	return r, nil
}

// Addr returns the host:port clients dial.
func (r *Reader) Addr() string { return r.ln.Addr().String() }

// Stats returns a snapshot of the counters.
func (r *Reader) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}

func (r *Reader) accept() {
	defer r.wg.Done()
	for {
		nc, err := r.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				r.log.Error("llrpsim: accept", "err", err)
			}
			return
		}
		r.mu.Lock()
		busy := r.cur != nil || r.closed
		var s *session
		if busy {
			r.stats.Refused++
		} else {
			r.stats.Connections++
			s = newSession(r, nc)
			r.cur = s
		}
		r.mu.Unlock()
		if busy {
			r.refuse(nc)
			continue
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			s.run()
		}()
	}
}

// refuse tells a second client that another client is connected and closes it.
func (r *Reader) refuse(nc net.Conn) {
	defer nc.Close()
	body := llrp.AppendConnectionAttempt(nil, r.opts.Clock(), llrp.ConnectionClientInitiatedExists)
	_ = nc.SetWriteDeadline(time.Now().Add(time.Second))
	if err := llrp.WriteMessage(nc, llrp.MsgReaderEventNotification, 0, body); err != nil {
		r.log.Warn("llrpsim: refuse", "err", err)
	}
}

// Play queues passes; they are played in order while a client has an ROSpec started.
func (r *Reader) Play(passes ...Pass) {
	r.mu.Lock()
	r.queue = append(r.queue, passes...)
	s := r.cur
	r.mu.Unlock()
	if s != nil {
		s.kick()
	}
}

// Drop closes the current client connection abruptly (TCP reset), as a reader that
// reboots or loses its network does. The rest of a pass being played is lost.
func (r *Reader) Drop() {
	if s := r.detach(nil); s != nil {
		if tc, ok := s.nc.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		s.close()
	}
}

// Silence(true) makes the current connection send nothing more (no responses,
// reports or KEEPALIVEs) while the socket stays open, as a hung reader does;
// Silence(false) lets it talk again. A new connection starts talking.
func (r *Reader) Silence(on bool) {
	r.mu.Lock()
	s := r.cur
	r.mu.Unlock()
	if s != nil {
		s.silent.Store(on)
	}
}

// Inject writes raw bytes to the current connection, for bad-input tests (a corrupt
// report, an unknown message, a broken header). It reports whether they were written.
func (r *Reader) Inject(raw []byte) bool {
	r.mu.Lock()
	s := r.cur
	r.mu.Unlock()
	if s == nil {
		return false
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_ = s.nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
	_, err := s.nc.Write(raw)
	return err == nil
}

// detach forgets s (or the current session when s is nil) and returns it.
func (r *Reader) detach(s *session) *session {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s == nil || r.cur == s {
		s, r.cur = r.cur, nil
		return s
	}
	return nil
}

// Close stops listening, closes the client connection and waits for the goroutines.
func (r *Reader) Close() error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	err := r.ln.Close()
	if s := r.detach(nil); s != nil {
		s.close()
	}
	r.wg.Wait()
	if err != nil {
		return fmt.Errorf("llrpsim: close: %w", err)
	}
	return nil
}

// count updates the stats under the lock.
func (r *Reader) count(f func(*Stats)) {
	r.mu.Lock()
	f(&r.stats)
	r.mu.Unlock()
}
