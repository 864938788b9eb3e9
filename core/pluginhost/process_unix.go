//go:build unix && !linux

package pluginhost

import "syscall"

// sysProcAttr puts a plugin in its own process group. Without Pdeathsig
// (Linux only) a plugin outlives a core killed by kill -9 until it notices
// its broken connection.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// killGroup kills the process group led by pid.
func killGroup(pid int) {
	if pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}
