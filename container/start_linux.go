package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/cgroup"
	"github.com/berth-dev/berth/internal/child"
	"github.com/berth-dev/berth/internal/jsonlog"
	"github.com/berth-dev/berth/internal/seccomp"
)

// StartOption changes how Start runs a container.
type StartOption func(*startOptions)

type startOptions struct {
	detach         bool
	stdin          io.Reader
	stdout, stderr io.Writer
	// attachment, set by the monitor, takes the output from the start
	// instead of stdout and stderr.
	attachment *attachment
	// consoleSize, when not zero, sizes the TTY at this start in place of
	// the config's ConsoleSize (AttachOptions.ConsoleSize).
	consoleSize [2]uint16
}

// Detach hands the container to the root's monitor process: it keeps
// running, logging and having its exit recorded after this program exits,
// and a later Open re-attaches to it. Without Detach a container lives as
// long as the program that started it.
func Detach() StartOption { return func(o *startOptions) { o.detach = true } }

// WithStdio attaches streams from the start: stdin (when the container's
// OpenStdin is set) is copied to the container; its stdout and stderr are
// copied to the writers as well as to its log. With a TTY everything
// arrives on stdout. Not for detached containers: use Attach.
func WithStdio(stdin io.Reader, stdout, stderr io.Writer) StartOption {
	return func(o *startOptions) { o.stdin, o.stdout, o.stderr = stdin, stdout, stderr }
}

// Start runs the container's command. A container that is already running
// is left alone, as docker start does. A command that cannot be run gives
// an *ExitError (125, 126 or 127) and leaves the container exited with
// that code.
func (c *Container) Start(ctx context.Context, opts ...StartOption) error {
	var o startOptions
	for _, opt := range opts {
		opt(&o)
	}
	if err := o.check(); err != nil {
		return fmt.Errorf("start container %s: %w", c.ShortID(), err)
	}
	if o.detach {
		return c.rt.monitorStart(ctx, c.id)
	}
	_, err := c.rt.startLocal(ctx, c.id, o, false, nil)
	return err
}

// Run creates a container from cfg and starts it, as Create and then Start
// do, in less time: the container's child process starts, on the other
// core, while the container is created. Wait on the returned Container
// sees the exit of this run even when the container is removed
// (AutoRemove) before Wait is called. With Detach it is Create and then
// Start. If the start fails the container is left created (or exited with
// the failure), as Start leaves it; the returned Container is then
// non-nil with the error.
func (r *Runtime) Run(ctx context.Context, cfg Config, opts ...StartOption) (*Container, error) {
	var o startOptions
	for _, opt := range opts {
		opt(&o)
	}
	if err := o.check(); err != nil {
		return nil, fmt.Errorf("run container: %w", err)
	}
	if o.detach {
		c, err := r.Create(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return c, c.Start(ctx, opts...)
	}
	// Bad input is found by Create, after the child started: that costs
	// a child killed, on a path that is rare.
	early, err := r.spawn(cfg, false)
	if err != nil {
		return nil, fmt.Errorf("run container: %w", err)
	}
	c, err := r.Create(ctx, cfg)
	if err != nil {
		early.abort()
		return nil, err
	}
	c.ran, err = r.startLocal(ctx, c.id, o, false, early)
	return c, err
}

func (o startOptions) check() error {
	if o.detach && (o.stdin != nil || o.stdout != nil || o.stderr != nil) {
		return fmt.Errorf("WithStdio and Detach exclude each other: %w", ErrInvalid)
	}
	return nil
}

// process is a container this program started and watches.
type process struct {
	id    string
	proc  *os.Process
	done  chan struct{} // closed once the exit is recorded
	stdin io.WriteCloser
	pty   *os.File
	mu    sync.Mutex // guards outs and ended, and pty against its close
	// ptyClosed is set once the pty is closed.
	ptyClosed bool
	outs      []*attachment
	ended     bool // the exit is recorded: no more attachments
	status    ExitStatus
	startedAt time.Time
	// release, when set, lets the thread that forked the process end
	// (forkingThread): closed once the process has exited.
	release chan struct{}
}

type attachment struct {
	stdout, stderr io.Writer
	done           chan struct{}
}

func (p *process) signal(sig syscall.Signal) error {
	if err := p.proc.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

func (p *process) kill() { _ = p.proc.Signal(syscall.SIGKILL) }

// write sends b from stream ("stdout" or "stderr") to every attachment.
func (p *process) write(stream string, b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, a := range p.outs {
		w := a.stdout
		if stream == "stderr" && a.stderr != nil {
			w = a.stderr
		}
		if w != nil {
			_, _ = w.Write(b)
		}
	}
}

func (p *process) attach(stdout, stderr io.Writer) *attachment {
	a := &attachment{stdout: stdout, stderr: stderr, done: make(chan struct{})}
	p.attachOne(a)
	return a
}

// attachOne adds a; a process whose exit is recorded ends it at once.
func (p *process) attachOne(a *attachment) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ended {
		close(a.done)
		return
	}
	p.outs = append(p.outs, a)
}

func (p *process) detach(a *attachment) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, o := range p.outs {
		if o == a {
			p.outs = append(p.outs[:i], p.outs[i+1:]...)
			close(a.done)
			return
		}
	}
}

func (r *Runtime) liveProcess(id string) *process {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.live[id]
}

func (r *Runtime) watched(id string) bool { return r.liveProcess(id) != nil }

// forker runs process starts on one OS thread that never exits: a
// parent-death signal fires when the thread that forked the child exits,
// and Go ends threads whose goroutine exits locked (as exec's do).
var forker struct {
	once sync.Once
	reqs chan func()
}

func onForkerThread(fn func()) {
	forker.once.Do(func() {
		forker.reqs = make(chan func())
		go func() {
			runtime.LockOSThread()
			for f := range forker.reqs {
				f()
			}
		}()
	})
	done := make(chan struct{})
	forker.reqs <- func() { fn(); close(done) }
	<-done
}

func cgroupPath(id string) string { return "/berth/" + id }

// newCgroup makes a container's cgroup. A variable, so that tests can
// make it fail.
var newCgroup = cgroup.New

// startLocal starts the container as a child of this program and returns
// its process. detached is set in the monitor: the container then does not
// die with its parent. early, a child Run started, is used up whatever the
// outcome; a container already running keeps its process and gives nil.
func (r *Runtime) startLocal(ctx context.Context, id string, o startOptions, detached bool, early *spawned) (p *process, err error) {
	c := &Container{rt: r, id: id}
	defer func() {
		if p == nil && early != nil {
			early.abort()
		}
	}()
	unlock, err := c.lock(ctx)
	if err != nil {
		return nil, fmt.Errorf("start container %s: %w", c.ShortID(), err)
	}
	defer unlock()
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("start container %s: %w", c.ShortID(), ErrClosed)
	}
	rec, err := c.record()
	if err != nil {
		return nil, fmt.Errorf("start container %s: %w", c.ShortID(), err)
	}
	st, err := c.state()
	if err != nil {
		return nil, fmt.Errorf("start container %s: %w", c.ShortID(), err)
	}
	switch st.Status {
	case StatusRunning:
		return nil, nil
	case StatusExited:
		// A start after Restart's stop: the next exit removes an
		// auto-removed container again.
		_ = os.Remove(filepath.Join(c.dir(), restartingFile))
	case StatusCreated:
	default:
		return nil, fmt.Errorf("start container %s: %w", c.ShortID(), &StateError{ID: id, Op: "start", Status: st.Status})
	}
	sp := early
	early = nil // launch uses it up
	p, err = r.launch(ctx, c, rec, o, detached, sp)
	if err != nil {
		var exitErr *ExitError
		if errors.As(err, &exitErr) {
			now := time.Now().UTC()
			_ = c.saveState(&State{Status: StatusExited, ExitCode: exitErr.Code, Error: exitErr.Msg, StartedAt: now, FinishedAt: now})
		}
		return nil, fmt.Errorf("start container %s: %w", c.ShortID(), err)
	}
	return p, nil
}

// launch does the work of a start: stdio, the child (unless early brings
// them), log, cgroup, and the goroutines that watch it. The caller holds
// the container's lock. early is used up, whatever the outcome.
func (r *Runtime) launch(ctx context.Context, c *Container, rec *record, o startOptions, detached bool, early *spawned) (p *process, err error) {
	cfg := rec.Config
	if o.consoleSize[0] > 0 && o.consoleSize[1] > 0 {
		cfg.ConsoleSize = o.consoleSize
	}
	// The child first: its runtime starts (a few milliseconds) while the
	// log, the cgroup and the spec are made. Run started it earlier still,
	// while the container was created.
	sp := early
	if sp == nil {
		if sp, err = r.spawn(cfg, detached); err != nil {
			return nil, err
		}
	}
	defer sp.closeChildEnds()
	caps, err := capabilities(cfg)
	if err != nil {
		sp.abort()
		return nil, err
	}
	// Before the state names this program as the container's owner.
	if err := r.registerOwner(); err != nil {
		sp.abort()
		return nil, fmt.Errorf("%w: register as owner: %w", ErrSetup, err)
	}
	logw, err := jsonlog.NewWriter(c.logPath(), jsonlog.Options{MaxSize: cfg.LogMaxSize, MaxFiles: cfg.LogMaxFiles})
	if err != nil {
		sp.abort()
		return nil, fmt.Errorf("%w: log: %w", ErrSetup, err)
	}
	p = &process{id: c.id, done: make(chan struct{}), pty: sp.pty, stdin: sp.stdin}
	switch {
	case o.attachment != nil:
		p.attachOne(o.attachment)
	case o.stdout != nil || o.stderr != nil:
		p.attach(o.stdout, o.stderr)
	}
	outputs := sp.outputs
	closeOutputs := func() {
		p.mu.Lock() // resize uses the pty under the lock
		p.ptyClosed = true
		for _, out := range outputs {
			_ = out.r.Close()
		}
		p.mu.Unlock()
		if p.stdin != nil && p.stdin != p.pty {
			_ = p.stdin.Close()
		}
		_ = logw.Close()
	}
	spec, err := r.initSpec(c, rec, caps, sp.console, !detached)
	if err != nil {
		sp.abortChild()
		closeOutputs()
		return nil, err
	}
	// The forking thread builds the root while the cgroup is made.
	sp.begin(spec)
	cg, err := newCgroup(cgroupPath(c.id), cgroupResources(cfg.Resources))
	if err != nil {
		sp.cgroupFailed(err)
		closeOutputs()
		return nil, fmt.Errorf("%w: cgroup: %w", ErrSetup, err)
	}
	defer func() {
		if err != nil {
			_ = cg.Kill(cgroup.SpareOwnPidNamespace())
			_ = cg.Delete()
		}
	}()
	proc, err := sp.run(r, spec, cg.ProcsPaths())
	if err != nil {
		closeOutputs()
		return nil, err
	}
	p.proc = proc
	if sp.ft != nil {
		p.release = sp.ft.release
	}
	startedAt := time.Now().UTC()
	p.startedAt = startedAt
	self := selfIdentity()
	st := &State{
		Status: StatusRunning, Pid: proc.Pid, PidStart: procStart(proc.Pid), StartedAt: startedAt,
		Owner: self.pid, OwnerStart: self.start, Detached: detached,
	}
	r.mu.Lock()
	r.live[c.id] = p
	r.releaseHoldsLocked(c.id) // this program's waiters get the exit from p
	r.mu.Unlock()
	if err := c.saveState(st); err != nil {
		p.kill()
	}

	var copiers sync.WaitGroup
	for _, out := range outputs {
		copiers.Add(1)
		go func() {
			defer copiers.Done()
			lw := logw.Stream(out.name)
			_ = copyOutput(out.r, func(b []byte) {
				_, _ = lw.Write(b)
				p.write(out.name, b)
			})
			_ = lw.Close()
		}()
	}
	if o.stdin != nil && p.stdin != nil {
		go func() {
			_, _ = io.Copy(p.stdin, o.stdin)
			if !cfg.Tty {
				_ = p.stdin.Close()
			}
		}()
	}
	go r.watch(c, rec, p, cg, st, &copiers, closeOutputs)
	return p, nil
}

// watch waits for a container's first process to exit and records it.
func (r *Runtime) watch(c *Container, rec *record, p *process, cg *cgroup.Cgroup, st *State, copiers *sync.WaitGroup, closeOutputs func()) {
	ps, _ := waitExit(p.proc)
	// Read before the exit is recorded, which the Restart that caused it
	// waits for before it starts the container again.
	remove := rec.Config.AutoRemove && !restarting(c)
	if p.release != nil {
		close(p.release) // the thread that forked it may end
	}
	// The rest of the pid namespace dies with its first process; a pty
	// master reads EIO once the last holder of the terminal is gone.
	_ = cg.Kill(cgroup.SpareOwnPidNamespace())
	oom, _ := cg.OOMKilled()
	// An auto-removed container's group goes now, beside the record of
	// the exit, and Remove, which follows, finds it gone. Any other group
	// (a restarted auto-removed container's too) goes before the exit is
	// recorded: a start that follows it makes the group again.
	var cgroupGone sync.WaitGroup
	if remove {
		cgroupGone.Go(func() { deleteCgroup(cg) })
	}
	if p.pty != nil {
		_ = p.pty.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	}
	copiers.Wait()
	closeOutputs()
	if !remove {
		deleteCgroup(cg)
	}
	code := exitCode(ps)
	if oom && code == 128+int(syscall.SIGKILL) {
		code = 137
	}
	p.status = ExitStatus{ExitCode: code, OOMKilled: oom}
	ctx := context.Background()
	if unlock, err := c.lock(ctx); err == nil {
		st.Status, st.ExitCode, st.OOMKilled, st.FinishedAt = StatusExited, code, oom, time.Now().UTC()
		st.Pid, st.PidStart, st.Owner, st.OwnerStart = 0, 0, 0, 0
		_ = c.saveState(st)
		unlock()
	}
	r.mu.Lock()
	delete(r.live, c.id)
	r.mu.Unlock()
	r.exited(c.id, p.status)
	p.mu.Lock()
	for _, a := range p.outs {
		close(a.done)
	}
	p.outs, p.ended = nil, true
	p.mu.Unlock()
	close(p.done)
	cgroupGone.Wait()
	if remove {
		_ = c.Remove(ctx, RemoveOptions{Volumes: true})
	}
}

// restarting reports whether Restart is stopping c (restartingFile): the
// marker of a Restart killed before it started c again is ignored.
func restarting(c *Container) bool {
	return markerHeld(filepath.Join(c.dir(), restartingFile))
}

func exitCode(ps *os.ProcessState) int {
	if ps == nil {
		return 255
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// spawned is a container's child started before its spec is ready, with
// the standard streams it was given: a pseudo-terminal, or pipes.
type spawned struct {
	ft            *forkingThread // or, through the re-executed child, pc
	ftUsed        bool           // ft has its spec, or gave up
	pc            *pendingChild
	files         [3]*os.File // the child's standard streams
	dieWithParent bool
	childEnds     []io.Closer // the child's ends, closed here once it has them
	outputs       []stream
	pty           *os.File
	stdin         io.WriteCloser
	console       string
}

type stream struct {
	name string
	r    *os.File
}

// spawn makes a container's standard streams, as cfg wants them, and
// starts its child on them.
func (r *Runtime) spawn(cfg Config, detached bool) (sp *spawned, err error) {
	sp = &spawned{}
	defer func() {
		if err != nil {
			sp.closeChildEnds()
			sp.closeOurEnds()
			err = fmt.Errorf("%w: %w", ErrSetup, err)
		}
	}()
	var childFiles [3]*os.File
	if cfg.Tty {
		master, slave, err := pty.Open()
		if err != nil {
			return sp, fmt.Errorf("open pty: %w", err)
		}
		sp.childEnds = append(sp.childEnds, slave)
		if rows, cols := cfg.ConsoleSize[0], cfg.ConsoleSize[1]; rows > 0 && cols > 0 {
			if err := pty.Setsize(master, &pty.Winsize{Rows: rows, Cols: cols}); err != nil {
				return sp, fmt.Errorf("size pty: %w", err)
			}
		}
		childFiles = [3]*os.File{slave, slave, slave}
		sp.pty, sp.console = master, slave.Name()
		sp.outputs = append(sp.outputs, stream{"stdout", master})
		if cfg.OpenStdin {
			sp.stdin = master
		}
	} else {
		for i, name := range []string{"stdout", "stderr"} {
			pr, pw, err := os.Pipe()
			if err != nil {
				return sp, err
			}
			sp.childEnds = append(sp.childEnds, pw)
			childFiles[i+1] = pw
			sp.outputs = append(sp.outputs, stream{name, pr})
		}
		if cfg.OpenStdin {
			pr, pw, err := os.Pipe()
			if err != nil {
				return sp, err
			}
			sp.childEnds = append(sp.childEnds, pr)
			childFiles[0], sp.stdin = pr, pw
		} else {
			null, err := os.Open(os.DevNull)
			if err != nil {
				return sp, err
			}
			sp.childEnds = append(sp.childEnds, null)
			childFiles[0] = null
		}
	}
	sp.files, sp.dieWithParent = childFiles, !detached
	if forkInit {
		warm := warmFindProcess
		if caps, err := capabilities(cfg); err == nil && !cfg.Privileged {
			warm = func() {
				warmFindProcess()
				_, _ = seccompFilter(caps)
			}
		}
		sp.ft = startForkingThread(childFiles, warm)
		return sp, nil
	}
	sp.pc, err = sp.startChild(r)
	return sp, err
}

// startChild starts the re-executed child on sp's streams.
func (sp *spawned) startChild(r *Runtime) (*pendingChild, error) {
	return r.startChild(sp.files, child.RoleInit, sp.dieWithParent, unix.CLONE_NEWNS|unix.CLONE_NEWPID|unix.CLONE_NEWUTS|unix.CLONE_NEWIPC|unix.CLONE_NEWNET)
}

// begin gives the forking thread spec, to build the root with before
// the cgroup exists.
func (sp *spawned) begin(spec *child.Init) {
	if sp.ft != nil && !sp.ftUsed {
		sp.ft.begin(spec)
		sp.ftUsed = true
	}
}

// cgroupFailed gives up the child after begin, when the cgroup could not
// be made.
func (sp *spawned) cgroupFailed(err error) {
	if sp.ft != nil {
		sp.ft.giveCgroups(cgroupFDs{err: err})
		sp.ft.result()
	}
	sp.abortChild()
}

// run has the child join the cgroup whose files (tasks or cgroup.procs)
// are cgroupFiles and returns its process once it has exec'd the command,
// or its *ExitError.
func (sp *spawned) run(r *Runtime, spec *child.Init, cgroupFiles []string) (*os.Process, error) {
	if sp.ft == nil {
		spec.Process.CgroupFiles = cgroupFiles
		return sp.pc.run(spec)
	}
	sp.begin(spec)
	p := child.Process{CgroupFiles: cgroupFiles}
	err := child.OpenCgroupFiles(&p)
	sp.ft.giveCgroups(cgroupFDs{fds: p.CgroupFDs, err: err})
	res := sp.ft.result()
	if res.fallback {
		spec.Process.CgroupFiles = cgroupFiles
		pc, err := sp.startChild(r)
		if err != nil {
			return nil, err
		}
		return pc.run(spec)
	}
	if ce := (*child.Error)(nil); errors.As(res.err, &ce) {
		return nil, exitErrorOf(ce)
	} else if res.err != nil {
		return nil, res.err
	}
	proc, err := os.FindProcess(res.pid)
	if err != nil {
		_ = unix.Kill(res.pid, unix.SIGKILL)
		return nil, fmt.Errorf("%w: %w", ErrSetup, err)
	}
	return proc, nil
}

// warmFindProcess makes, once, the check of the kernel's pidfd support
// that os makes at its first FindProcess: a pidfd_open, a waitid, a
// pidfd_send_signal and a vfork'd child that exits, about 0.3 ms. The
// forking thread makes it while it waits for the spec, so that run's
// FindProcess does not.
var warmFindProcess = sync.OnceFunc(func() {
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		_ = p.Release()
	}
})

// abortChild gives the child up before run.
func (sp *spawned) abortChild() {
	if sp.ft != nil && !sp.ftUsed {
		sp.ft.abort()
		sp.ftUsed = true
	}
	if sp.pc != nil {
		sp.pc.abort()
		sp.pc = nil
	}
}

func (sp *spawned) closeChildEnds() {
	for _, f := range sp.childEnds {
		_ = f.Close()
	}
	sp.childEnds = nil
}

func (sp *spawned) closeOurEnds() {
	for _, out := range sp.outputs {
		_ = out.r.Close()
	}
	if sp.stdin != nil && sp.stdin != sp.pty {
		_ = sp.stdin.Close()
	}
}

// abort kills the child and closes the streams.
func (sp *spawned) abort() {
	sp.abortChild()
	sp.closeChildEnds()
	sp.closeOurEnds()
}

// pendingChild is a child started and waiting for its spec.
type pendingChild struct {
	proc          *os.Process
	specW, status *os.File
}

// startChild starts the sealed binary as a child in role with files as
// its stdio, a spec pipe on fd 3, a status pipe on fd 4 and extra files
// from fd 5 (child.FirstExtraFD) on. The child's runtime starts while the
// caller prepares the spec, which the child waits for.
func (r *Runtime) startChild(files [3]*os.File, role string, dieWithParent bool, cloneflags uintptr, extra ...*os.File) (*pendingChild, error) {
	specR, specW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSetup, err)
	}
	defer specR.Close()
	statusR, statusW, err := os.Pipe()
	if err != nil {
		specW.Close()
		return nil, fmt.Errorf("%w: %w", ErrSetup, err)
	}
	defer statusW.Close()
	sys := &syscall.SysProcAttr{Cloneflags: cloneflags, Setsid: true}
	if files[0] != nil && files[0] == files[1] && isTerminal(files[0]) {
		sys.Setctty, sys.Ctty = true, 0
	}
	if dieWithParent {
		sys.Pdeathsig = syscall.SIGKILL
	}
	var proc *os.Process
	start := func() {
		proc, err = startSealed("berth-"+role, append([]*os.File{files[0], files[1], files[2], specR, statusW}, extra...),
			[]string{child.EnvRole + "=" + role}, sys)
	}
	if role == child.RoleExec {
		start() // on the caller's thread, which joined the namespaces
	} else {
		onForkerThread(start)
	}
	if err != nil {
		specW.Close()
		statusR.Close()
		return nil, fmt.Errorf("%w: start child: %w", ErrSetup, err)
	}
	return &pendingChild{proc: proc, specW: specW, status: statusR}, nil
}

// exitErrorOf is the ExitError of a child's failure.
func exitErrorOf(ce *child.Error) *ExitError {
	return &ExitError{Code: ce.Code, Msg: ce.Msg, User: ce.User}
}

// abort kills the child and reaps it.
func (pc *pendingChild) abort() {
	pc.specW.Close()
	pc.status.Close()
	_ = pc.proc.Kill()
	_, _ = pc.proc.Wait()
}

// run sends the spec and returns when the child has exec'd the user's
// command, or with the child's *ExitError.
func (pc *pendingChild) run(spec any) (*os.Process, error) {
	err := json.NewEncoder(pc.specW).Encode(spec)
	pc.specW.Close()
	if err != nil {
		pc.abort()
		return nil, fmt.Errorf("%w: send spec: %w", ErrSetup, err)
	}
	b, err := io.ReadAll(pc.status)
	pc.status.Close()
	if err != nil {
		pc.abort()
		return nil, fmt.Errorf("%w: %w", ErrSetup, err)
	}
	if len(b) > 0 {
		var ce child.Error
		if err := json.Unmarshal(b, &ce); err != nil {
			pc.abort()
			return nil, fmt.Errorf("%w: child said %q", ErrSetup, b)
		}
		_, _ = pc.proc.Wait()
		return nil, exitErrorOf(&ce)
	}
	return pc.proc, nil
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// volatileOverlay adds overlayfs's "volatile" to the options of an
// overlay with an upper directory. Unmounting an overlay otherwise syncs
// the whole file system of its upper directory, and the last process of a
// container waits for that before its exit is known: the writable layer
// of a container removed when it exits is not worth it (Podman does the
// same for --rm). A volatile mount leaves work/incompat/volatile (with a
// file, dirty, in it) in its work directory, and overlayfs refuses to
// mount the directories again while it is there; it is removed, for a
// container started again (Restart). overlayfs leaves that to the user,
// who knows that the system has not crashed since, the upper directory
// being then intact: a crash would have killed the container, and the
// next Open removes an auto-removed container whose owner died.
func volatileOverlay(typ string, options []string) []string {
	if typ != "overlay" {
		return options
	}
	for _, o := range options {
		if work, ok := strings.CutPrefix(o, "workdir="); ok {
			volatile := filepath.Join(work, "work", "incompat", "volatile")
			if err := unix.Rmdir(volatile); errors.Is(err, unix.ENOTEMPTY) {
				_ = os.RemoveAll(volatile)
			}
			return append(options[:len(options):len(options)], "volatile")
		}
	}
	return options
}

// initSpec is what the child of container c needs.
func (r *Runtime) initSpec(c *Container, rec *record, caps []string, console string, dieWithParent bool) (spec *child.Init, err error) {
	cfg := rec.Config
	in := planInput{rec: rec, dir: c.dir(), volumeDirs: map[string]string{}, console: console}
	for _, m := range rec.Volumes {
		if m.Type == MountVolume {
			in.volumeDirs[m.Source] = r.volumes.Path(m.Source)
		}
	}
	rootfs := make([]child.FS, len(rec.Rootfs))
	for i, m := range rec.Rootfs {
		rootfs[i] = child.FS{Type: m.Type, Source: m.Source, Options: m.Options}
		if cfg.AutoRemove {
			rootfs[i].Options = volatileOverlay(m.Type, m.Options)
		}
	}
	spec = &child.Init{
		Rootfs:         filepath.Join(c.dir(), rootfsDirName),
		RootfsMounts:   rootfs,
		ReadonlyRootfs: cfg.ReadonlyRootfs,
		Populate:       populatePlan(in),
		Mounts:         mountPlan(in),
		Devices:        defaultDevices,
		DevSymlinks:    devSymlinks,
		Hostname:       rec.Hostname,
		Process: child.Process{
			Args: append([]string{rec.Path}, rec.Args...), Env: rec.Env, Cwd: rec.WorkingDir,
			User: rec.User, Caps: caps, DieWithParent: dieWithParent,
			CgroupNS: cgroupNSAvailable(),
		},
	}
	if spec.Process.CgroupNS {
		// An error here (no cgroups, bad limits) is the cgroup's to
		// report, which is made next.
		if fss, err := cgroup.Filesystems(cgroupResources(cfg.Resources)); err == nil {
			spec.Process.Cgroupfs = cgroupfsPlan(in, fss)
		}
	}
	if cfg.Privileged {
		devs, err := hostDevices()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSetup, err)
		}
		spec.Devices = devs
	} else {
		spec.Masked, spec.Readonly = maskedPaths, readonlyPaths
		if spec.Process.Seccomp, err = seccompFilter(caps); err != nil {
			return nil, err
		}
	}
	return spec, nil
}

// seccompFilters caches Docker's default filter compiled for a set of
// capabilities (the key: the set, in capabilities' order), as
// *compiledFilter: a start that finds one being compiled waits for it.
var seccompFilters sync.Map

type compiledFilter struct {
	once sync.Once
	b    []byte
	err  error
}

// seccompFilter returns Docker's default seccomp filter for a process
// with caps, compiled and encoded for the child (seccomp.Encode).
func seccompFilter(caps []string) ([]byte, error) {
	v, _ := seccompFilters.LoadOrStore(strings.Join(caps, ","), &compiledFilter{})
	f := v.(*compiledFilter)
	f.once.Do(func() {
		filter, err := seccomp.Default().Compile(runtime.GOARCH, caps)
		if err != nil {
			f.err = fmt.Errorf("%w: seccomp: %w", ErrSetup, err)
			return
		}
		f.b = seccomp.Encode(filter)
	})
	return f.b, f.err
}

func cgroupNSAvailable() bool {
	_, err := os.Stat("/proc/self/ns/cgroup")
	return err == nil
}

// hostDevices lists the host's top-level device nodes, which a privileged
// container gets, as with docker run --privileged.
func hostDevices() ([]deviceNode, error) {
	entries, err := os.ReadDir("/dev")
	if err != nil {
		return nil, err
	}
	var out []deviceNode
	for _, e := range entries {
		if e.Type()&os.ModeDevice == 0 || e.Name() == "console" {
			continue
		}
		var st unix.Stat_t
		if unix.Lstat("/dev/"+e.Name(), &st) != nil {
			continue
		}
		out = append(out, deviceNode{Path: "/dev/" + e.Name(), Mode: st.Mode, Major: unix.Major(st.Rdev), Minor: unix.Minor(st.Rdev)})
	}
	return out, nil
}
