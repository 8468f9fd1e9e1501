package container

import (
	"bytes"
	"os"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/plainfile"
)

// procStart returns a process's start time in clock ticks since boot
// (field 22 of /proc/PID/stat), 0 when it does not exist. With the PID it
// names a process for good: a later process reusing the PID starts later.
func procStart(pid int) uint64 {
	if pid <= 0 {
		return 0
	}
	b, err := plainfile.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	fields := bytes.Fields(b[i+1:])
	// fields[0] is field 3 (state); the start time is field 22.
	if len(fields) < 20 {
		return 0
	}
	v, _ := strconv.ParseUint(string(fields[19]), 10, 64)
	return v
}

// processAlive reports whether the process pid that started at start
// still runs (a zombie counts as gone).
func processAlive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	if err := unix.Kill(pid, 0); err != nil && err != unix.EPERM {
		return false
	}
	s := procStart(pid)
	if s == 0 || (start != 0 && s != start) {
		return false
	}
	b, err := plainfile.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}

type identity struct {
	pid   int
	start uint64
}

var self = sync.OnceValue(func() identity {
	pid := os.Getpid()
	return identity{pid: pid, start: procStart(pid)}
})

func selfIdentity() identity { return self() }

// waitExit waits for p, a child of this program, to exit and reaps it.
// Unlike os.Process.Wait, which blocks an OS thread in waitid until the
// child exits, it waits on a pidfd in Go's poller: the monitor watches
// every detached container of a root, and a blocked thread each (with its
// kernel stack) cost host memory per container.
func waitExit(p *os.Process) (*os.ProcessState, error) {
	fd, err := unix.PidfdOpen(p.Pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		return p.Wait() // a kernel without pidfds
	}
	f := os.NewFile(uintptr(fd), "pidfd")
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return p.Wait()
	}
	first := true
	// A pidfd becomes readable when its process exits. The first call
	// comes before any wait: return false to wait for readiness.
	_ = rc.Read(func(uintptr) bool {
		if first {
			first = false
			var info unix.Siginfo
			// Exited already? WNOWAIT leaves it to be reaped below.
			err := unix.Waitid(unix.P_PIDFD, fd, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
			return err == nil && info.Signo != 0
		}
		return true
	})
	return p.Wait()
}
