package scannersim

import (
	"errors"
	"fmt"
	"os"

	"github.com/lotsense/lotsense/drivers/internal/pty"
)

// PTY is a pseudo-terminal pair standing in for a serial scanner's port: what is
// written to it (Write, or Play) is read by whoever opens Path as a serial port.
type PTY struct {
	master, slave *os.File
	path          string
}

// OpenPTY opens a pseudo-terminal pair; a driver opens Path as its serial port.
func OpenPTY() (*PTY, error) {
	master, slave, path, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("scannersim: %w", err)
	}
	return &PTY{master: master, slave: slave, path: path}, nil
}

// Path is the slave side's device path, to open as a serial port.
func (p *PTY) Path() string { return p.path }

// Write sends bytes down the line, as the scanner would.
func (p *PTY) Write(b []byte) (int, error) { return p.master.Write(b) }

// Close closes both sides: a driver reading the port sees it vanish, as when a USB
// serial scanner is unplugged.
func (p *PTY) Close() error { return errors.Join(p.master.Close(), p.slave.Close()) }
