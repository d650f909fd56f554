package modbussim

import (
	"errors"
	"fmt"
	"os"

	"github.com/lotsense/lotsense/drivers/internal/pty"
)

// PTY is a pseudo-terminal pair whose master side answers Modbus RTU for simulated
// devices (ServeRTU) and whose slave side a client opens as its serial port (Path).
type PTY struct {
	master, slave *os.File
	path          string
	done          chan error
}

// ServePTY opens a pseudo-terminal pair and serves devices by unit id on it until
// Close; a client opens Path as its serial port.
func ServePTY(devices map[uint8]*Server) (*PTY, error) {
	master, slave, path, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("modbussim: %w", err)
	}
	p := &PTY{master: master, slave: slave, path: path, done: make(chan error, 1)}
	devs := make(map[uint8]*Server, len(devices))
	for u, s := range devices {
		devs[u] = s
	}
	go func() { p.done <- ServeRTU(p.master, devs) }()
	return p, nil
}

// Path is the slave side's device path, to open as a serial port.
func (p *PTY) Path() string { return p.path }

// Close stops serving and closes both sides.
func (p *PTY) Close() error {
	err := errors.Join(p.master.Close(), p.slave.Close())
	<-p.done // ServeRTU returns once the master is closed
	return err
}
