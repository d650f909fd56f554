package llrpsim

import (
	"encoding/binary"

	"github.com/lotsense/lotsense/drivers/llrp"
)

// handle answers one client message; false ends the connection.
func (s *session) handle(f llrp.Frame) bool {
	var code llrp.StatusCode
	var desc string
	resp := f.Type + 10
	switch f.Type {
	case llrp.MsgGetReaderCapabilities:
		body := llrp.AppendStatus(nil, llrp.StatusSuccess, "")
		_ = s.reply(resp, f.ID, llrp.AppendCapabilities(body, *s.r.opts.Capabilities))
		return true
	case llrp.MsgSetReaderConfig:
		code, desc = s.setConfig(f.Body)
	case llrp.MsgAddROSpec, llrp.MsgDeleteROSpec, llrp.MsgEnableROSpec,
		llrp.MsgStartROSpec, llrp.MsgStopROSpec, llrp.MsgDisableROSpec:
		code, desc = s.rospec(f.Type, f.Body)
	case llrp.MsgKeepaliveAck:
		s.r.count(func(st *Stats) { st.KeepaliveAcks++ })
		s.unack.Store(0)
		return true
	case llrp.MsgCloseConnection:
		s.r.count(func(st *Stats) { st.CloseConnections++ })
		s.r.detach(s) // free for the next client before it learns this one is done
		_ = s.reply(llrp.MsgCloseConnectionResponse, f.ID, llrp.AppendStatus(nil, llrp.StatusSuccess, ""))
		return false
	default:
		body := llrp.AppendStatus(nil, llrp.StatusUnsupportedMessage, "llrpsim: unsupported "+llrp.MessageType(f.Type).String())
		_ = s.reply(llrp.MsgErrorMessage, f.ID, body)
		return true
	}
	_ = s.reply(resp, f.ID, llrp.AppendStatus(nil, code, desc))
	s.kick() // after the response: a started ROSpec plays queued passes
	return true
}

// setConfig applies SET_READER_CONFIG: keepalive period and default report spec.
func (s *session) setConfig(body []byte) (llrp.StatusCode, string) {
	c, err := llrp.DecodeSetReaderConfig(body)
	if err != nil {
		return llrp.StatusParameterError, err.Error()
	}
	s.mu.Lock()
	if c.Report != nil {
		s.report = c.Report
	}
	s.mu.Unlock()
	select {
	case <-s.kaSet:
	default:
	}
	s.kaSet <- c.Keepalive
	return llrp.StatusSuccess, ""
}

// rospec carries out ADD/DELETE/ENABLE/START/STOP/DISABLE_ROSPEC.
func (s *session) rospec(typ uint16, body []byte) (llrp.StatusCode, string) {
	if typ == llrp.MsgAddROSpec {
		return s.add(body)
	}
	if len(body) < 4 {
		return llrp.StatusFieldError, "llrpsim: ROSpecID missing"
	}
	code, desc, started := s.apply(typ, binary.BigEndian.Uint32(body))
	if started { // counted outside s.mu: the lock order is Reader.mu, then session.mu
		s.r.count(func(st *Stats) { st.Starts++ })
	}
	return code, desc
}

// apply changes the state of ROSpec id; started reports a successful START_ROSPEC.
func (s *session) apply(typ uint16, id uint32) (code llrp.StatusCode, desc string, started bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if typ == llrp.MsgDeleteROSpec && id == 0 {
		clear(s.specs)
		return llrp.StatusSuccess, "", false
	}
	sp := s.specs[id]
	if sp == nil {
		return llrp.StatusInvalid, "llrpsim: no such ROSpec", false
	}
	switch typ {
	case llrp.MsgDeleteROSpec:
		delete(s.specs, id)
	case llrp.MsgEnableROSpec:
		sp.enabled = true
	case llrp.MsgDisableROSpec:
		sp.enabled, sp.started = false, false
	case llrp.MsgStopROSpec:
		sp.started = false
	case llrp.MsgStartROSpec:
		if !sp.enabled {
			return llrp.StatusInvalid, "llrpsim: ROSpec not enabled", false
		}
		sp.started = true
		return llrp.StatusSuccess, "", true
	}
	return llrp.StatusSuccess, "", false
}

func (s *session) add(body []byte) (llrp.StatusCode, string) {
	sp, err := llrp.DecodeROSpec(body)
	if err != nil {
		return llrp.StatusParameterError, err.Error()
	}
	if sp.ID == 0 {
		return llrp.StatusFieldError, "llrpsim: ROSpecID 0"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.specs[sp.ID] != nil {
		return llrp.StatusInvalid, "llrpsim: ROSpec exists"
	}
	s.specs[sp.ID] = &rospec{spec: sp}
	return llrp.StatusSuccess, ""
}
