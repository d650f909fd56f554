//go:build !linux

package modbussim

import "errors"

// PTY is a pseudo-terminal serving Modbus RTU; only Linux has them here.
type PTY struct{}

// ServePTY fails: simulated Modbus RTU ports need Linux pseudo-terminals.
func ServePTY(devices map[uint8]*Server) (*PTY, error) {
	return nil, errors.New("modbussim: a simulated Modbus RTU port needs Linux pseudo-terminals (/dev/ptmx); simulate Modbus TCP (address) instead")
}

// Path is empty.
func (p *PTY) Path() string { return "" }

// Close does nothing.
func (p *PTY) Close() error { return nil }
