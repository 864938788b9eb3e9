//go:build !unix

package pluginhost

import "syscall"

// sysProcAttr has nothing to add on this platform.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// killGroup is a no-op here; go-plugin kills the process itself.
func killGroup(int) {}
