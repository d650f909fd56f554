package scannersim

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// PTY is a pseudo-terminal pair standing in for a serial scanner's port: what is
// written to it (Write, or Play) is read by whoever opens Path as a serial port.
type PTY struct {
	master, slave *os.File
	path          string
}

// OpenPTY opens a pseudo-terminal pair (/dev/ptmx, no cgo). The slave side is set to
// raw mode and kept open, so its settings hold and writes never fail while the
// driver has the port closed between reconnects.
func OpenPTY() (*PTY, error) {
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("scannersim: open a pseudo-terminal: %w", err)
	}
	master := os.NewFile(uintptr(fd), "ptmx")
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err == nil {
		err = unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0)
	}
	if err != nil {
		master.Close()
		return nil, fmt.Errorf("scannersim: pseudo-terminal: %w", err)
	}
	path := fmt.Sprintf("/dev/pts/%d", n)
	slave, err := os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY, 0)
	if err == nil {
		err = makeRaw(int(slave.Fd()))
	}
	if err != nil {
		master.Close()
		if slave != nil {
			slave.Close()
		}
		return nil, fmt.Errorf("scannersim: %s: %w", path, err)
	}
	return &PTY{master: master, slave: slave, path: path}, nil
}

// makeRaw sets a terminal to raw mode, as cfmakeraw(3) does: bytes pass unchanged.
func makeRaw(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}

// Path is the slave side's device path, to open as a serial port.
func (p *PTY) Path() string { return p.path }

// Write sends bytes down the line, as the scanner would.
func (p *PTY) Write(b []byte) (int, error) { return p.master.Write(b) }

// Close closes both sides: a driver reading the port sees it vanish, as when a USB
// serial scanner is unplugged.
func (p *PTY) Close() error { return errors.Join(p.master.Close(), p.slave.Close()) }
