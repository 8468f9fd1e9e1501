package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"syscall"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/capability"
	"github.com/berth-dev/berth/internal/cgroup"
	"github.com/berth-dev/berth/internal/child"
)

// ExecConfig is a process to run in a running container (docker exec).
type ExecConfig struct {
	Cmd []string
	// Env is merged over the container's environment.
	Env []string
	// User and WorkingDir default to the container's.
	User       string
	WorkingDir string
	Tty        bool
	Privileged bool
	// Stdin, when set, is copied to the process; Stdout and Stderr receive
	// its output (with a TTY, all on Stdout).
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// ExecProcess is a process started by Exec.
type ExecProcess struct {
	proc    *os.Process
	pty     *os.File
	stdinW  io.WriteCloser
	done    chan struct{}
	code    int
	copiers sync.WaitGroup
	closers []io.Closer
}

// Pid is the process's ID on the host.
func (e *ExecProcess) Pid() int { return e.proc.Pid }

// Wait waits for the process and its output, and returns its exit code
// (128+n when killed by signal n). The process is reaped as soon as it
// exits, whether or not anyone waits: an unreaped process of a container's
// pid namespace would keep the container's first process from finishing.
func (e *ExecProcess) Wait(ctx context.Context) (int, error) {
	select {
	case <-e.done:
		return e.code, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (e *ExecProcess) reap() {
	ps, _ := waitExit(e.proc)
	e.copiers.Wait()
	for _, c := range e.closers {
		_ = c.Close()
	}
	e.code = exitCode(ps)
	close(e.done)
}

// Resize sets the size of the process's TTY.
func (e *ExecProcess) Resize(rows, cols uint16) error {
	if e.pty == nil {
		return fmt.Errorf("exec process has no TTY: %w", ErrInvalid)
	}
	return pty.Setsize(e.pty, &pty.Winsize{Rows: rows, Cols: cols})
}

// Exec starts a process in the running container: in its namespaces,
// cgroup and root, with its environment, user and working directory unless
// cfg says otherwise, its capabilities and seccomp filter. It works from
// any Go program: the namespaces are joined on a locked OS thread that is
// thrown away afterwards, and the process runs the sealed binary first to
// drop privileges before it execs the command. A command that cannot be
// run gives an *ExitError (126 or 127).
func (c *Container) Exec(ctx context.Context, cfg ExecConfig) (*ExecProcess, error) {
	if len(cfg.Cmd) == 0 || cfg.Cmd[0] == "" {
		return nil, fmt.Errorf("exec in container %s: %w", c.ShortID(), ErrNoCommand)
	}
	rec, err := c.record()
	if err != nil {
		return nil, fmt.Errorf("exec in container %s: %w", c.ShortID(), err)
	}
	st, err := c.state()
	if err != nil {
		return nil, fmt.Errorf("exec in container %s: %w", c.ShortID(), err)
	}
	if st.Status != StatusRunning || !processAlive(st.Pid, st.PidStart) {
		return nil, fmt.Errorf("exec in container %s: %w", c.ShortID(), &StateError{ID: c.id, Op: "exec in", Status: StatusExited})
	}
	caps, err := capabilities(rec.Config)
	if err != nil {
		return nil, err
	}
	if cfg.Privileged {
		caps = capability.All()
	}
	env := rec.Env
	if cfg.Tty {
		env = mergeEnv(env, []string{"TERM=xterm"})
	}
	spec := child.Process{
		Args: cfg.Cmd, Env: mergeEnv(env, cfg.Env), Cwd: firstNonEmpty(cfg.WorkingDir, rec.WorkingDir),
		User: firstNonEmpty(cfg.User, rec.User), Caps: caps,
	}
	go warmFindProcess() // off the path to the process's start
	// Compiled (or found compiled) meanwhile; nil without a filter.
	var filter func() ([]byte, error)
	if !rec.Config.Privileged && !cfg.Privileged {
		filter = sync.OnceValues(func() ([]byte, error) { return seccompFilter(caps) })
		go func() { _, _ = filter() }()
	}
	e := &ExecProcess{done: make(chan struct{})}
	files, outputs, err := e.stdio(cfg)
	if err != nil {
		e.closeAll()
		return nil, fmt.Errorf("exec in container %s: %w: %w", c.ShortID(), ErrSetup, err)
	}
	cg, err := cgroup.Load(cgroupPath(c.id))
	if err != nil {
		e.closeAll()
		return nil, fmt.Errorf("exec in container %s: %w: %w", c.ShortID(), ErrSetup, err)
	}
	type result struct {
		proc *os.Process
		err  error
	}
	res := make(chan result, 1)
	onThrowawayThread(func() {
		proc, err := joinAndSpawn(c.rt, rec, st.Pid, files, cg, &spec, filter)
		res <- result{proc, err}
	})
	r := <-res
	for _, f := range files {
		if f != nil && f != e.pty {
			_ = f.Close()
		}
	}
	if r.err != nil {
		e.closeAll()
		return nil, fmt.Errorf("exec in container %s: %w", c.ShortID(), r.err)
	}
	e.proc = r.proc
	for _, o := range outputs {
		e.copiers.Add(1)
		go func() {
			defer e.copiers.Done()
			_, _ = io.Copy(o.w, o.r)
		}()
	}
	go e.reap()
	if cfg.Stdin != nil && e.stdinW != nil {
		go func() {
			_, _ = io.Copy(e.stdinW, cfg.Stdin)
			if e.pty == nil {
				_ = e.stdinW.Close()
			}
		}()
	}
	return e, nil
}

type output struct {
	r io.Reader
	w io.Writer
}

// joinAndSpawn enters the namespaces of the container process pid, except
// the mount namespace, on the calling (locked) thread and starts the
// process from it: on cgroup v1 directly from the thread
// (forkExecInThread), else through the exec child, which joins the mount
// namespace itself (fd 5), on its own main thread, so that the sealed
// binary is found through the host's /proc.
func joinAndSpawn(rt *Runtime, rec *record, pid int, files [3]*os.File, cg *cgroup.Cgroup, spec *child.Process, filter func() ([]byte, error)) (*os.Process, error) {
	var fds []int
	defer func() {
		for _, fd := range fds {
			if fd >= 0 {
				unix.Close(fd)
			}
		}
	}()
	kinds := []struct {
		name string
		flag int
	}{{"ipc", unix.CLONE_NEWIPC}, {"uts", unix.CLONE_NEWUTS}, {"net", unix.CLONE_NEWNET}, {"pid", unix.CLONE_NEWPID}, {"cgroup", unix.CLONE_NEWCGROUP}, {"mnt", unix.CLONE_NEWNS}}
	for _, k := range kinds {
		fd, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/ns/"+k.name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			if k.name == "cgroup" {
				fds = append(fds, -1)
				continue
			}
			return nil, fmt.Errorf("%w: open %s namespace: %w", ErrSetup, k.name, err)
		}
		fds = append(fds, fd)
	}
	for i, k := range kinds[:len(kinds)-1] {
		if fds[i] < 0 {
			continue
		}
		if err := unix.Setns(fds[i], k.flag); err != nil {
			return nil, fmt.Errorf("%w: join %s namespace: %w", ErrSetup, k.name, err)
		}
	}
	if execInThread(cg, rec.Config.Resources) {
		fd := fds[len(fds)-1]
		fds = fds[:len(fds)-1]
		defer unix.Close(fd)
		return forkExecInThread(fd, files, cg, spec, filter)
	}
	mnt := os.NewFile(uintptr(fds[len(fds)-1]), "mnt")
	fds = fds[:len(fds)-1]
	defer mnt.Close()
	cgFiles, err := cg.OpenProcs()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSetup, err)
	}
	defer func() {
		for _, f := range cgFiles {
			f.Close()
		}
	}()
	spec.CgroupFDs = nil
	for i := range cgFiles {
		spec.CgroupFDs = append(spec.CgroupFDs, child.FirstExtraFD+1+i)
	}
	pc, err := rt.startChild(files, child.RoleExec, false, 0, append([]*os.File{mnt}, cgFiles...)...)
	if err != nil {
		return nil, err
	}
	if filter != nil {
		if spec.Seccomp, err = filter(); err != nil {
			pc.abort()
			return nil, err
		}
	}
	return pc.run(spec)
}

func (e *ExecProcess) stdio(cfg ExecConfig) ([3]*os.File, []output, error) {
	var files [3]*os.File
	var outs []output
	if cfg.Tty {
		master, slave, err := pty.Open()
		if err != nil {
			return files, nil, err
		}
		e.pty = master
		e.closers = append(e.closers, master)
		files = [3]*os.File{slave, slave, slave}
		if cfg.Stdout != nil {
			outs = append(outs, output{master, cfg.Stdout})
		}
		if cfg.Stdin != nil {
			e.stdinW = master
		}
		return files, outs, nil
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return files, nil, err
	}
	files = [3]*os.File{null, null, null}
	if cfg.Stdin != nil {
		r, w, err := os.Pipe()
		if err != nil {
			return files, nil, err
		}
		files[0], e.stdinW = r, w
	}
	for i, w := range []io.Writer{cfg.Stdout, cfg.Stderr} {
		if w == nil {
			continue
		}
		r, pw, err := os.Pipe()
		if err != nil {
			return files, nil, err
		}
		files[i+1] = pw
		e.closers = append(e.closers, r)
		outs = append(outs, output{r, w})
	}
	return files, outs, nil
}

func (e *ExecProcess) closeAll() {
	for _, c := range e.closers {
		_ = c.Close()
	}
}

// execInThread says whether an exec'd process starts from the joining
// thread (child.ForkExec) rather than through the re-executed child: on
// cgroup v1, where the thread can join the container's cgroup alone (its
// tasks files), for a container without a memory limit. On v2 a thread
// cannot leave its process's cgroup, and clone3's CLONE_INTO_CGROUP is
// refused once the thread has Docker's seccomp filter.
//
// While the thread is in the container's cgroup (until it has forked
// and exits), this program is one of the group's processes: the
// container's Kill spares it (cgroup.SpareOwnPidNamespace), but the
// kernel's out-of-memory killer, which a memory limit can set off inside
// the group, would judge it by its whole memory and could pick it. So a
// container with a memory limit gets the child. A variable, so that tests
// take both ways.
var execInThread = func(cg *cgroup.Cgroup, r Resources) bool {
	return cg.Version() == 1 && r.Memory == 0 && r.MemorySwap == 0
}

// forkExecInThread finishes joining the container on the calling thread
// (its mount namespace, mnt) and starts spec's process from it with
// child.ForkExec. The thread is spoiled: the caller's goroutine ends
// locked.
func forkExecInThread(mnt int, files [3]*os.File, cg *cgroup.Cgroup, spec *child.Process, filter func() ([]byte, error)) (*os.Process, error) {
	spec.CgroupFDs, spec.CgroupFiles = nil, cg.ProcsPaths()
	defer func() { // those prepare did not get to
		for _, fd := range spec.CgroupFDs {
			_ = unix.Close(fd)
		}
	}()
	if err := child.OpenCgroupFiles(spec); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSetup, err)
	}
	if filter != nil {
		var err error
		if spec.Seccomp, err = filter(); err != nil {
			return nil, err
		}
	}
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		return nil, fmt.Errorf("%w: unshare fs: %w", ErrSetup, err)
	}
	if err := unix.Setns(mnt, unix.CLONE_NEWNS); err != nil {
		return nil, fmt.Errorf("%w: join mount namespace: %w", ErrSetup, err)
	}
	sys := &syscall.SysProcAttr{Setsid: true}
	if files[0] != nil && files[0] == files[1] && isTerminal(files[0]) {
		sys.Setctty, sys.Ctty = true, 0
	}
	fds := make([]uintptr, len(files))
	for i, f := range files {
		fds[i] = f.Fd()
	}
	pid, err := child.ForkExec(spec, fds, sys)
	if ce := (*child.Error)(nil); errors.As(err, &ce) {
		return nil, exitErrorOf(ce)
	} else if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSetup, err)
	}
	return os.FindProcess(pid)
}
