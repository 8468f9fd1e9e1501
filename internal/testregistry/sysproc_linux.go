package testregistry

import (
	"os/exec"
	"runtime"
	"syscall"
)

// The registry dies with the test binary, even when it is killed.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

// start starts cmd from an OS thread of its own, which outlives the
// registry: the parent-death signal fires when the thread that forked the
// child exits, not the process, and a test binary running berth in-process
// ends threads (the container package discards the locked thread a
// container's first process is forked from, and Go may have run this
// goroutine on any thread before). On the thread this call happens to be
// on, the registry was killed in mid-test. exited is closed once cmd has
// been waited for.
func start(cmd *exec.Cmd, exited <-chan struct{}) error {
	started := make(chan error)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		err := cmd.Start()
		started <- err
		if err == nil {
			<-exited
		}
	}()
	return <-started
}
