//go:build !linux

package pgtest

import "syscall"

// serverProcAttr runs postgres in its own process group, as cred when not nil.
// Without Linux's parent-death signal, a server outlives a test process that dies
// before Stop.
func serverProcAttr(cred *syscall.Credential) (*syscall.SysProcAttr, error) {
	return &syscall.SysProcAttr{Setpgid: true, Credential: cred}, nil
}
