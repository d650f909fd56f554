//go:build !linux

package scannersim

import "errors"

// PTY is a pseudo-terminal standing in for a serial port; only Linux has them here.
type PTY struct{}

// OpenPTY fails: simulated serial scanners need Linux pseudo-terminals.
func OpenPTY() (*PTY, error) {
	return nil, errors.New("scannersim: a simulated serial port needs Linux pseudo-terminals (/dev/ptmx)")
}

// Path is empty.
func (p *PTY) Path() string { return "" }

// Write fails.
func (p *PTY) Write(b []byte) (int, error) { return 0, errors.New("scannersim: no PTY") }

// Close does nothing.
func (p *PTY) Close() error { return nil }
