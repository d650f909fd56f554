package llrpsim

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lotsense/lotsense/drivers/llrp"
)

// session is one client connection.
type session struct {
	r      *Reader
	nc     net.Conn
	silent atomic.Bool
	done   chan struct{}
	once   sync.Once
	kickc  chan struct{}
	kaSet  chan time.Duration
	wg     sync.WaitGroup

	wmu   sync.Mutex // one message at a time on the socket
	msgID atomic.Uint32
	unack atomic.Int32 // KEEPALIVEs sent and not yet acknowledged

	mu     sync.Mutex // the reader's state for this client
	specs  map[uint32]*rospec
	report *llrp.ReportSpec // default from SET_READER_CONFIG
}

type rospec struct {
	spec             llrp.ROSpec
	enabled, started bool
}

func newSession(r *Reader, nc net.Conn) *session {
	return &session{r: r, nc: nc, done: make(chan struct{}), kickc: make(chan struct{}, 1),
		kaSet: make(chan time.Duration, 1), specs: map[uint32]*rospec{}}
}

func (s *session) kick() {
	select {
	case s.kickc <- struct{}{}:
	default:
	}
}

func (s *session) close() {
	s.once.Do(func() {
		close(s.done)
		_ = s.nc.Close()
	})
}

// run greets the client, serves its messages and cleans up when it goes.
func (s *session) run() {
	defer func() {
		s.close()
		s.r.detach(s)
		s.wg.Wait()
	}()
	s.wg.Add(2)
	go s.player()
	go s.keepalive()
	body := llrp.AppendConnectionAttempt(nil, s.r.opts.Clock(), llrp.ConnectionSuccess)
	if err := s.write(llrp.MsgReaderEventNotification, body); err != nil {
		return
	}
	dec := llrp.NewDecoder(s.nc, 0)
	for {
		f, err := dec.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.r.log.Debug("llrpsim: client connection ended", "err", err)
			}
			return
		}
		if !s.handle(f) {
			return
		}
	}
}

// write sends one message unless the session is silenced.
func (s *session) write(typ uint16, body []byte) error {
	return s.reply(typ, s.msgID.Add(1), body)
}

// reply sends one message with the given id unless the session is silenced.
func (s *session) reply(typ uint16, id uint32, body []byte) error {
	if s.silent.Load() {
		return nil
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_ = s.nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
	return llrp.WriteMessage(s.nc, typ, id, body)
}

// keepalive sends KEEPALIVE at the period SET_READER_CONFIG asked for.
func (s *session) keepalive() {
	defer s.wg.Done()
	var tick <-chan time.Time
	var t *time.Ticker
	defer func() {
		if t != nil {
			t.Stop()
		}
	}()
	for {
		select {
		case <-s.done:
			return
		case d := <-s.kaSet:
			if t != nil {
				t.Stop()
				t, tick = nil, nil
			}
			if d > 0 {
				t = time.NewTicker(d)
				tick = t.C
			}
		case <-tick:
			if s.silent.Load() {
				continue
			}
			if err := s.write(llrp.MsgKeepalive, nil); err != nil {
				return
			}
			s.r.count(func(st *Stats) { st.Keepalives++ })
			if n := s.unack.Add(1); n > 3 {
				s.r.log.Warn("llrpsim: client does not acknowledge KEEPALIVE", "unacknowledged", n)
			}
		}
	}
}
