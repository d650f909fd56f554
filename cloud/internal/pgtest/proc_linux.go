package pgtest

import "syscall"

// serverProcAttr runs postgres in its own process group (Stop can kill the group,
// and a Ctrl-C at the terminal reaches only the test), as cred when not nil, and
// makes the kernel kill it when the test process dies.
func serverProcAttr(cred *syscall.Credential) (*syscall.SysProcAttr, error) {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: cred}, nil
}
