// Package pty opens pseudo-terminal pairs for the serial-line simulators (Modbus RTU,
// serial barcode scanners): the simulator holds the master side, the driver under test
// opens the slave's path as its serial port. Linux only, no cgo.
package pty

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Open opens a pseudo-terminal pair. The master is non-blocking, so closing it
// interrupts a Read in progress; the slave is in raw mode (bytes pass unchanged) and
// is returned open, so its settings hold and the master never reads an end of file
// while a driver has the port closed between reconnects.
func Open() (master, slave *os.File, path string, err error) {
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, "", fmt.Errorf("open a pseudo-terminal: %w", err)
	}
	fail := func(err error) (*os.File, *os.File, string, error) {
		unix.Close(fd)
		return nil, nil, "", err
	}
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		return fail(fmt.Errorf("unlock the pseudo-terminal: %w", err))
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		return fail(fmt.Errorf("pseudo-terminal number: %w", err))
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		return fail(fmt.Errorf("pseudo-terminal: %w", err))
	}
	path = fmt.Sprintf("/dev/pts/%d", n)
	slave, err = os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return fail(fmt.Errorf("open %s: %w", path, err))
	}
	if err := makeRaw(int(slave.Fd())); err != nil {
		slave.Close()
		return fail(fmt.Errorf("%s: %w", path, err))
	}
	return os.NewFile(uintptr(fd), "ptmx"), slave, path, nil
}

// makeRaw sets a terminal to raw mode, as cfmakeraw(3) does.
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
