//go:build !linux

package testregistry

import (
	"os/exec"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

func start(cmd *exec.Cmd, _ <-chan struct{}) error { return cmd.Start() }
