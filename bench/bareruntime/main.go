//go:build linux

// Command bareruntime is the least a Go program can do to run a command
// in a container here, for bench/container.sh to measure beside berth and
// the unshare floor:
//
//	bareruntime LOWERDIR BASEDIR CMD [ARG...]
//	bareruntime -start
//
// It makes a directory in BASEDIR with an overlay's upper and work
// directories, and on a thread of its own leaves the mount, uts, ipc and
// network namespaces, mounts the overlay of LOWERDIR (an image's files) as
// berth does (index=off, volatile), pivots into it and starts CMD in a new
// pid namespace. It waits for CMD, and removes the directory: the mount
// went with the namespace. Its exit status is CMD's (128+n when a signal
// n ended it), or 125 when it could not run CMD.
//
// It keeps no state, makes no cgroup, mounts no /proc, /dev or /sys, sets
// no seccomp filter, capabilities or user, and writes no hosts files:
// what is left between it and berth run --rm is that bookkeeping and
// isolation, and the start-up of berth's larger program. Built with
// -tags berthimports it links berth's packages too, without calling them,
// which measures that start-up alone. With -start it exits at once: the
// cost of starting and ending the program, to subtract from a run.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-start" {
		os.Exit(0)
	}
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: bareruntime LOWERDIR BASEDIR CMD [ARG...] | -start")
		os.Exit(2)
	}
	lower, base, argv := os.Args[1], os.Args[2], os.Args[3:]
	dir, err := os.MkdirTemp(base, "bare-")
	if err != nil {
		fail(err)
	}
	code, err := run(lower, dir, argv)
	if rmErr := os.RemoveAll(dir); err == nil {
		err = rmErr
	}
	if err != nil {
		fail(err)
	}
	os.Exit(code)
}

type result struct {
	code int
	err  error
}

// run starts argv in the overlay of lower in dir and returns its exit
// status. The thread that starts it never returns to the program's
// namespaces: Go ends it with the goroutine.
func run(lower, dir string, argv []string) (int, error) {
	for _, d := range []string{"upper", "work", "rootfs"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			return 0, err
		}
	}
	done := make(chan result)
	go func() {
		runtime.LockOSThread() // not unlocked: the thread ends with the goroutine
		code, err := start(lower, dir, argv)
		done <- result{code, err}
	}()
	res := <-done
	return res.code, res.err
}

func start(lower, dir string, argv []string) (int, error) {
	if err := unix.Unshare(unix.CLONE_FS | unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWNET); err != nil {
		return 0, fmt.Errorf("unshare: %w", err)
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return 0, fmt.Errorf("make / private: %w", err)
	}
	rootfs := filepath.Join(dir, "rootfs")
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s,index=off,volatile",
		lower, filepath.Join(dir, "upper"), filepath.Join(dir, "work"))
	if err := unix.Mount("overlay", rootfs, "overlay", 0, opts); err != nil {
		return 0, fmt.Errorf("mount overlay: %w", err)
	}
	if err := unix.Chdir(rootfs); err != nil {
		return 0, err
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return 0, fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return 0, fmt.Errorf("detach the old root: %w", err)
	}
	pid, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{
		Dir:   "/",
		Files: []uintptr{0, 1, 2},
		Sys:   &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWPID},
	})
	if err != nil {
		return 0, fmt.Errorf("start %s: %w", argv[0], err)
	}
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
		return 0, err
	}
	if ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return ws.ExitStatus(), nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bareruntime:", err)
	os.Exit(125)
}
