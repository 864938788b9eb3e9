//go:build !linux

package main

import "syscall"

// childAttr: without Pdeathsig, a server outlives a load generator that
// dies before stopping it.
func childAttr() *syscall.SysProcAttr { return nil }
