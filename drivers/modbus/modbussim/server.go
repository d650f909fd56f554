package modbussim

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/simonvetter/modbus"
)

// Server is a simulated device. Its methods are safe for concurrent use.
type Server struct {
	cfg   Config
	start time.Time // Clock() at New: the model's time zero

	mu    sync.Mutex
	fault bool
	door  bool
	srv   *modbus.ModbusServer // nil when stopped
	addr  string               // last bound host:port
}

// New returns a stopped server simulating cfg; its model time starts now (cfg.Clock()).
func New(cfg Config) (*Server, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = log.New(io.Discard, "", 0)
	}
	return &Server{cfg: cfg, start: cfg.Clock()}, nil
}

// Start listens on addr (host:port) and serves Modbus TCP until Stop. Port 0 picks a
// free port: the server cannot report the port it bound, so Start listens on port 0
// itself, closes that listener and serves on the port it got. Another process could
// take the port in between; Start then tries again, up to three times. A stopped
// server may be started again, for example on Addr() to simulate a device coming back.
func (s *Server) Start(addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return fmt.Errorf("modbussim: already serving on %s", s.addr)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("modbussim: address %q: %w", addr, err)
	}
	tries := 1
	if port == "0" {
		tries = 3
	}
	for i := 0; i < tries; i++ {
		p := port
		if port == "0" {
			if p, err = freePort(host); err != nil {
				return err
			}
		}
		if err = s.serve(net.JoinHostPort(host, p)); err == nil {
			return nil
		}
	}
	return err
}

// serve starts a Modbus server on host:port; the caller holds s.mu.
func (s *Server) serve(hostport string) error {
	srv, err := modbus.NewServer(&modbus.ServerConfiguration{
		URL:        "tcp://" + hostport,
		Timeout:    time.Minute,
		MaxClients: 16,
		Logger:     s.cfg.Logger,
	}, handler{s})
	if err != nil {
		return fmt.Errorf("modbussim: %s: %w", hostport, err)
	}
	if err := srv.Start(); err != nil {
		return fmt.Errorf("modbussim: listen on %s: %w", hostport, err)
	}
	s.srv, s.addr = srv, hostport
	return nil
}

// freePort asks the kernel for a free TCP port on host.
func freePort(host string) (string, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", fmt.Errorf("modbussim: find a free port on %q: %w", host, err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("modbussim: find a free port on %q: %w", host, err)
	}
	return strconv.Itoa(port), nil
}

// Addr returns the host:port the server serves on, or served on last if stopped; ""
// before the first Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Stop closes the listener and every client connection, like a device switched off.
// Stopping a stopped server does nothing.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return nil
	}
	err := s.srv.Stop()
	s.srv = nil
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("modbussim: stop %s: %w", s.addr, err)
	}
	return nil
}

// SetFault makes the temperature and humidity registers read their fault codes
// (FaultTemperature, FaultHumidity), as with a broken probe, or stop doing so.
func (s *Server) SetFault(on bool) {
	s.mu.Lock()
	s.fault = on
	s.mu.Unlock()
}

// SetDoorOpen sets the door register.
func (s *Server) SetDoorOpen(open bool) {
	s.mu.Lock()
	s.door = open
	s.mu.Unlock()
}

// handler answers Modbus requests from the model; it is unexported so that Server's
// API is only the simulator's.
type handler struct{ s *Server }

// registers checks a read request and returns the registers it asks for.
func (h handler) registers(unit uint8, addr, n uint16, write bool) ([]uint16, error) {
	if (h.s.cfg.UnitID != 0 && unit != h.s.cfg.UnitID) || h.s.silent(h.s.cfg.Clock()) {
		return nil, modbus.ErrGWTargetFailedToRespond
	}
	if write {
		return nil, modbus.ErrIllegalFunction // a sensor: read-only
	}
	if int(addr)+int(n) > NumRegisters {
		return nil, modbus.ErrIllegalDataAddress
	}
	r := h.s.registers(h.s.cfg.Clock())
	return append([]uint16(nil), r[addr:int(addr)+int(n)]...), nil
}

func (h handler) bits(unit uint8, addr, n uint16, write bool) ([]bool, error) {
	regs, err := h.registers(unit, addr, n, write)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(regs))
	for i, r := range regs {
		out[i] = r != 0
	}
	return out, nil
}

func (h handler) HandleHoldingRegisters(req *modbus.HoldingRegistersRequest) ([]uint16, error) {
	return h.registers(req.UnitId, req.Addr, req.Quantity, req.IsWrite)
}

func (h handler) HandleInputRegisters(req *modbus.InputRegistersRequest) ([]uint16, error) {
	return h.registers(req.UnitId, req.Addr, req.Quantity, false)
}

func (h handler) HandleCoils(req *modbus.CoilsRequest) ([]bool, error) {
	return h.bits(req.UnitId, req.Addr, req.Quantity, req.IsWrite)
}

func (h handler) HandleDiscreteInputs(req *modbus.DiscreteInputsRequest) ([]bool, error) {
	return h.bits(req.UnitId, req.Addr, req.Quantity, false)
}
