//go:build linux

package pluginhost

import "syscall"

// sysProcAttr puts a plugin in its own process group and has the kernel
// SIGKILL it when the core dies (even by kill -9). Pdeathsig follows the
// OS thread that started the process; Go keeps its threads for the life of
// the process unless a goroutine exits while locked to one, which the core
// never does.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup kills the process group led by pid.
func killGroup(pid int) {
	if pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}
