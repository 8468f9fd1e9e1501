//go:build !linux

package testregistry

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
