package child

import (
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// ForkExec runs p's command as a new process without re-executing the
// binary: what the child does before execve, prepare, is done on the
// calling thread, which then forks and execs the command. It is how an
// exec'd process starts (container.Exec on cgroup v1), saving the child's
// runtime start, about 2 ms.
//
// The caller's goroutine must be locked to its OS thread and have joined
// the container's namespaces, its mount namespace included (after
// unshare(CLONE_FS)). Afterwards the thread has the container's user,
// capabilities, seccomp filter and cgroup (p.CgroupFDs are v1 tasks
// files, which move only the writing thread; cgroup v2 has no such file,
// so there the child is used): the caller must let the goroutine end
// locked, so that Go discards the thread. Go creates its other threads
// from a clean one while a goroutine is locked, so none inherits this
// state.
//
// Until it execs, the new process runs this program's binary in the
// container's pid namespace (the runc CVE-2019-5736 class: a process of
// the container could open /proc/PID/exe and later write through it). So
// the program is made non-dumpable meanwhile, which denies that open to
// processes without CAP_SYS_PTRACE, and its dumpable state is restored
// after (a change of user also clears it).
//
// A failure is an *Error, with the exit code Docker gives, as the child
// reports it.
func ForkExec(p *Process, files []uintptr, sys *syscall.SysProcAttr) (int, error) {
	nondumpable()
	defer dumpableAgain()
	path, env, code, err := prepare(p)
	if err != nil {
		return 0, newError(code, err)
	}
	pid, err := syscall.ForkExec(path, p.Args, &syscall.ProcAttr{Dir: p.Cwd, Env: env, Files: files, Sys: sys})
	if err != nil {
		return 0, newError(execError(p.Args[0], err))
	}
	return pid, nil
}

// dumpable counts the ForkExec calls under way and keeps the program's
// dumpable state from before the first.
var dumpable struct {
	sync.Mutex
	n     int
	saved int
}

func nondumpable() {
	dumpable.Lock()
	defer dumpable.Unlock()
	if dumpable.n == 0 {
		dumpable.saved, _ = unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
		_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	}
	dumpable.n++
}

func dumpableAgain() {
	dumpable.Lock()
	defer dumpable.Unlock()
	dumpable.n--
	if dumpable.n == 0 {
		_ = unix.Prctl(unix.PR_SET_DUMPABLE, uintptr(dumpable.saved), 0, 0, 0)
	}
}
