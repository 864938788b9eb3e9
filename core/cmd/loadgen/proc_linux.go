package main

import "syscall"

// childAttr makes the kernel kill a server the load generator started
// when the load generator dies, however it dies (a closed pipe, kill -9),
// instead of leaving it serving.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
