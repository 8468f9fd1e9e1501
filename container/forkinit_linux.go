package container

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/child"
)

// forkInit says whether a container's first process starts from a thread
// of this program (child.StartInit) rather than through the re-executed
// child; a spec child.Forkable refuses still takes the child. A variable,
// so that tests take both ways.
var forkInit = true

// forkingThread is a thread on its way to start a container's first
// process with child.StartInit. It leaves this program's namespaces as
// soon as it starts, while the container is still being prepared, and
// then waits for the spec, and later for the cgroup.
type forkingThread struct {
	specs   chan *child.Init // the spec; closed to give up
	cgroups chan cgroupFDs   // after the spec: the cgroup files, open
	results chan forkResult
	release chan struct{} // closed once the process has exited
	warm    func()        // work for the wait: os's pidfd check, the seccomp filter
}

// cgroupFDs are a cgroup's files (tasks or cgroup.procs) opened for the
// process to join, or why there are none.
type cgroupFDs struct {
	fds []int
	err error
}

type forkResult struct {
	pid      int
	err      error
	fallback bool // the spec needs the re-executed child
}

// startForkingThread starts the thread for a process with files as its
// standard streams. The files must stay open until result returns.
func startForkingThread(files [3]*os.File, warm func()) *forkingThread {
	ft := &forkingThread{
		specs: make(chan *child.Init, 1), cgroups: make(chan cgroupFDs, 1), results: make(chan forkResult, 1),
		release: make(chan struct{}), warm: warm,
	}
	var fds [3]int
	for i, f := range files {
		fds[i] = int(f.Fd())
	}
	ctty := files[0] == files[1] && isTerminal(files[0])
	goThrowaway(func() { ft.run(fds, ctty) })
	return ft
}

// run is the thread. With the parent-death signal the thread must outlive
// the process, whose signal fires when the thread that forked it ends, so
// it waits for release; else it ends, and Go discards it, at once.
func (ft *forkingThread) run(stdio [3]int, ctty bool) {
	back := hostNamespaces()
	defer back.close()
	err := unix.Unshare(unix.CLONE_FS | unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWNET)
	if ft.warm != nil {
		ft.warm()
	}
	spec, ok := <-ft.specs
	if !ok {
		return
	}
	var res forkResult
	switch {
	case err != nil:
		res.err = fmt.Errorf("%w: new namespaces: %w", ErrSetup, err)
	case !child.Forkable(spec):
		res.fallback = true
	default:
		res.pid, res.err = child.StartInit(spec, stdio, ctty, func() ([]int, error) {
			c := <-ft.cgroups
			return c.fds, c.err
		})
		// Back in this program's namespaces, the thread no longer holds
		// the container's: its mounts go with its last process, as they
		// would without it.
		back.enter()
	}
	ft.results <- res
	if res.err == nil && !res.fallback && spec.Process.DieWithParent {
		<-ft.release
	}
}

// begin hands the thread the spec; then giveCgroups, then result.
func (ft *forkingThread) begin(spec *child.Init) { ft.specs <- spec }

// abort gives up instead of begin.
func (ft *forkingThread) abort() { close(ft.specs) }

func (ft *forkingThread) giveCgroups(c cgroupFDs) { ft.cgroups <- c }

// result waits for the thread's outcome. The cgroup files it did not take
// are closed.
func (ft *forkingThread) result() forkResult {
	res := <-ft.results
	select {
	case c := <-ft.cgroups:
		for _, fd := range c.fds {
			_ = unix.Close(fd)
		}
	default:
	}
	return res
}

// namespaceFDs are a thread's namespaces, to return to.
type namespaceFDs []struct {
	fd   int
	kind int
}

// hostNamespaces opens the calling thread's mount, uts, ipc and network
// namespaces; one it cannot open is not returned to.
func hostNamespaces() namespaceFDs {
	var ns namespaceFDs
	for _, k := range []struct {
		name string
		kind int
	}{{"mnt", unix.CLONE_NEWNS}, {"uts", unix.CLONE_NEWUTS}, {"ipc", unix.CLONE_NEWIPC}, {"net", unix.CLONE_NEWNET}} {
		fd, err := unix.Open("/proc/thread-self/ns/"+k.name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err == nil {
			ns = append(ns, struct {
				fd   int
				kind int
			}{fd, k.kind})
		}
	}
	return ns
}

// enter joins the namespaces again, as far as it can.
func (ns namespaceFDs) enter() {
	for _, n := range ns {
		_ = unix.Setns(n.fd, n.kind)
	}
}

func (ns namespaceFDs) close() {
	for _, n := range ns {
		_ = unix.Close(n.fd)
	}
}

// goThrowaway runs fn on an OS thread of its own that Go ends afterwards:
// fn may change the thread's namespaces, cgroup, credentials and seccomp
// filter. The channel is closed when fn has returned.
//
// A goroutine that exits locked ends its thread, except on the main
// thread, which Go cannot end and parks instead, for ever: with exec's
// changes, that left the program's main thread in the container's cgroup
// and kept the cgroup from being deleted. So a goroutine that finds
// itself on the main thread keeps it (so that it is not chosen again)
// until another goroutine holds a thread of its own for fn, and gives it
// back.
func goThrowaway(fn func()) <-chan struct{} {
	done := make(chan struct{})
	go throwaway(fn, done, make(chan struct{}))
	return done
}

func throwaway(fn func(), done, locked chan struct{}) {
	runtime.LockOSThread() // unlocked only on the main thread, untouched
	if onMainThread() {
		again := make(chan struct{})
		go throwaway(fn, done, again)
		<-again
		runtime.UnlockOSThread()
		close(locked)
		return
	}
	close(locked)
	defer close(done)
	fn() // the goroutine ends locked: Go ends the thread
}

// onThrowawayThread runs fn as goThrowaway does and returns when fn has
// returned.
func onThrowawayThread(fn func()) { <-goThrowaway(fn) }

// onMainThread reports whether the caller runs on the program's main
// thread. A variable, so that tests take the main thread's way.
var onMainThread = func() bool { return unix.Gettid() == unix.Getpid() }
