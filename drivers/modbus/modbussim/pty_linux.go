package modbussim

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// PTY is a pseudo-terminal pair whose master side answers Modbus RTU for simulated
// devices (ServeRTU) and whose slave side a client opens as its serial port (Path).
type PTY struct {
	master, slave *os.File
	path          string
	done          chan error
}

// ServePTY opens a pseudo-terminal pair (/dev/ptmx, no cgo) and serves devices by unit
// id on it until Close. The slave side is set to raw mode and kept open, so the master
// never reads an end of file while a client has the port closed between connections.
func ServePTY(devices map[uint8]*Server) (*PTY, error) {
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("modbussim: open a pseudo-terminal: %w", err)
	}
	p, err := openSlave(fd)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	devs := make(map[uint8]*Server, len(devices))
	for u, s := range devices {
		devs[u] = s
	}
	go func() { p.done <- ServeRTU(p.master, devs) }()
	return p, nil
}

// openSlave unlocks and opens the slave side of the master fd.
func openSlave(fd int) (*PTY, error) {
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		return nil, fmt.Errorf("modbussim: unlock the pseudo-terminal: %w", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		return nil, fmt.Errorf("modbussim: pseudo-terminal number: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil { // so Close interrupts a Read
		return nil, fmt.Errorf("modbussim: pseudo-terminal: %w", err)
	}
	path := fmt.Sprintf("/dev/pts/%d", n)
	slave, err := os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("modbussim: open %s: %w", path, err)
	}
	if err := makeRaw(int(slave.Fd())); err != nil {
		slave.Close()
		return nil, fmt.Errorf("modbussim: %s: %w", path, err)
	}
	return &PTY{master: os.NewFile(uintptr(fd), "ptmx"), slave: slave, path: path, done: make(chan error, 1)}, nil
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

// Close stops serving and closes both sides.
func (p *PTY) Close() error {
	err := errors.Join(p.master.Close(), p.slave.Close())
	<-p.done // ServeRTU returns once the master is closed
	return err
}
