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
// then waits for the spec.
type forkingThread struct {
	specs   chan *child.Init // the spec; closed to give up
	result  chan forkResult
	release chan struct{} // closed once the process has exited
}

type forkResult struct {
	pid      int
	err      error
	fallback bool // the spec needs the re-executed child
}

// startForkingThread starts the thread for a process with files as its
// standard streams. The files must stay open until start returns.
func startForkingThread(files [3]*os.File) *forkingThread {
	ft := &forkingThread{specs: make(chan *child.Init, 1), result: make(chan forkResult, 1), release: make(chan struct{})}
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
	err := unix.Unshare(unix.CLONE_FS | unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWNET)
	spec, ok := <-ft.specs
	switch {
	case !ok:
		return
	case err != nil:
		ft.result <- forkResult{err: fmt.Errorf("%w: new namespaces: %w", ErrSetup, err)}
		return
	case !child.Forkable(spec):
		ft.result <- forkResult{fallback: true}
		return
	}
	pid, err := child.StartInit(spec, stdio, ctty)
	ft.result <- forkResult{pid: pid, err: err}
	if err == nil && spec.Process.DieWithParent {
		<-ft.release
	}
}

// start hands the thread spec and returns its outcome.
func (ft *forkingThread) start(spec *child.Init) forkResult {
	ft.specs <- spec
	return <-ft.result
}

// abort gives up before start.
func (ft *forkingThread) abort() { close(ft.specs) }

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
