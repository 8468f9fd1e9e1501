package container

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/child"
	"github.com/berth-dev/berth/internal/flock"
)

// The monitor: one process per root that starts and watches the root's
// detached containers. It is the embedding binary re-executed (sealed, as
// for containers) in a session of its own, so it outlives the program
// that asked for it; it is the parent of its containers, keeps their logs,
// records their exits and removes the --rm ones. Programs talk to it over
// ROOT/container/monitor.sock, one JSON request per connection. It exits
// once it has watched no container for monitorIdle; the next detached
// start starts it again. One shared monitor, not one per container: a
// detached container costs the host three goroutines and two pipes, not a
// process.
const (
	monitorSock      = "monitor.sock"
	monitorStartLock = "monitor.lock" // held while a monitor starts or stops
	monitorLog       = "monitor.log"
	monitorIdle      = 2 * time.Second
)

type monitorRequest struct {
	Op    string // "start", "attach", "resize"
	ID    string
	Stdin bool `json:",omitempty"`
	// Attach, with "start", streams the container's output from its
	// first byte, after the reply, as "attach" does.
	Attach bool `json:",omitempty"`
	// Rows and Cols are the size for "resize", and for "start" the TTY's
	// size at this start (zero: the container's ConsoleSize).
	Rows, Cols uint16 `json:",omitempty"`
}

type monitorReply struct {
	Error string     `json:",omitempty"`
	Kind  string     `json:",omitempty"` // sentinel the error wraps
	Exit  *ExitError `json:",omitempty"`
}

var errorKinds = map[string]error{
	"notfound": ErrNotFound, "conflict": ErrConflict, "invalid": ErrInvalid, "inuse": ErrInUse,
	"notrunning": ErrNotRunning, "setup": ErrSetup, "closed": ErrClosed,
}

func replyFor(err error) monitorReply {
	if err == nil {
		return monitorReply{}
	}
	rep := monitorReply{Error: err.Error()}
	var exitErr *ExitError
	if errors.As(err, &exitErr) {
		rep.Exit = exitErr
		return rep
	}
	for k, s := range errorKinds {
		if errors.Is(err, s) {
			rep.Kind = k
		}
	}
	return rep
}

func (rep monitorReply) err() error {
	switch {
	case rep.Error == "":
		return nil
	case rep.Exit != nil:
		return rep.Exit
	case errorKinds[rep.Kind] != nil:
		return withSentinel(errors.New(rep.Error), errorKinds[rep.Kind])
	default:
		return errors.New(rep.Error)
	}
}

// monitorCall sends req to the root's monitor, starting it if needed, and
// returns the connection after a successful reply (for streams).
func (r *Runtime) monitorCall(ctx context.Context, req monitorRequest) (net.Conn, error) {
	conn, err := r.dialMonitor(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: monitor: %w", ErrSetup, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if err := json.NewEncoder(conn).Encode(req); err != nil {
		conn.Close()
		return nil, fmt.Errorf("%w: monitor: %w", ErrSetup, err)
	}
	var rep monitorReply
	if err := readJSONLine(conn, &rep); err != nil {
		conn.Close()
		return nil, fmt.Errorf("%w: monitor: %w", ErrSetup, err)
	}
	_ = conn.SetDeadline(time.Time{})
	if err := rep.err(); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// readJSONLine reads one JSON line byte by byte, so that nothing of the
// stream after it is consumed.
func readJSONLine(conn net.Conn, v any) error {
	var line []byte
	b := make([]byte, 1)
	for {
		if _, err := conn.Read(b); err != nil {
			return err
		}
		if b[0] == '\n' {
			return json.Unmarshal(line, v)
		}
		line = append(line, b[0])
	}
}

func (r *Runtime) monitorStart(ctx context.Context, id string) error {
	conn, err := r.monitorCall(ctx, monitorRequest{Op: "start", ID: id})
	if err != nil {
		return fmt.Errorf("start container %s: %w", shortID(id), err)
	}
	return conn.Close()
}

func (r *Runtime) dialMonitor(ctx context.Context) (net.Conn, error) {
	sock := filepath.Join(r.dir, monitorSock)
	var d net.Dialer
	if conn, err := d.DialContext(ctx, "unix", sock); err == nil {
		return conn, nil
	}
	f, err := os.OpenFile(filepath.Join(r.dir, monitorStartLock), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := flock.Lock(ctx, f, true, true); err != nil {
		return nil, err
	}
	if conn, err := d.DialContext(ctx, "unix", sock); err == nil {
		return conn, nil
	}
	if err := r.spawnMonitor(); err != nil {
		return nil, err
	}
	return d.DialContext(ctx, "unix", sock)
}

// spawnMonitor starts the monitor and waits until it listens. The caller
// holds the start lock.
func (r *Runtime) spawnMonitor() error {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer null.Close()
	logf, err := os.OpenFile(filepath.Join(r.dir, monitorLog), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer readyR.Close()
	root, err := filepath.Abs(r.root)
	if err != nil {
		readyW.Close()
		return err
	}
	proc, err := startSealed(monitorArg0, []*os.File{null, null, logf, readyW},
		[]string{child.EnvRole + "=" + roleMonitor, envRoot + "=" + root}, &syscall.SysProcAttr{Setsid: true})
	readyW.Close()
	if err != nil {
		return err
	}
	go func() { _, _ = proc.Wait() }() // reaped if it dies while we live
	b, _ := io.ReadAll(readyR)
	if string(b) != "ready" {
		return fmt.Errorf("monitor did not start: %q (see %s)", b, monitorLog)
	}
	return nil
}

// monitorArg0 is the monitor's argv[0] and command name.
const monitorArg0 = "berth-monitor"

// monitorMain is the monitor process. It never returns.
func monitorMain(root string) {
	// Its command name would be that of the descriptor it was executed
	// through (/proc/self/fd/N): "4" in ps and top. Init runs on the main
	// thread, whose name ps shows.
	if name, err := unix.BytePtrFromString(monitorArg0); err == nil {
		_ = unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(name)), 0, 0, 0)
	}
	ready := os.NewFile(3, "ready")
	fail := func(err error) {
		fmt.Fprintf(os.Stderr, "%s berth monitor: %v\n", time.Now().Format(time.RFC3339), err)
		_, _ = ready.WriteString(err.Error())
		os.Exit(1)
	}
	// Caught, not ignored: an ignored signal stays ignored across exec,
	// and the containers the monitor starts must get the default.
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGHUP, syscall.SIGINT, syscall.SIGPIPE, syscall.SIGTERM)
	go func() {
		for range signals {
		}
	}()
	ctx := context.Background()
	rt, err := Open(ctx, root)
	if err != nil {
		fail(err)
	}
	m := &monitor{rt: rt, sock: filepath.Join(rt.dir, monitorSock)}
	if err := m.listen(); err != nil {
		fail(err)
	}
	_, _ = ready.WriteString("ready")
	ready.Close()
	m.serve()
	_ = rt.Close() // nothing runs: this also unregisters it as an owner
	os.Exit(0)
}

type monitor struct {
	rt       *Runtime
	sock     string
	l        net.Listener
	inflight sync.WaitGroup
	lastBusy time.Time
	// handled counts requests served. serve's loop keeps its value at the
	// last tick and when the monitor last gave its free memory back (see
	// release).
	handled            atomic.Int64
	lastTick, released int64
	mu                 sync.Mutex
}

func (m *monitor) listen() error {
	_ = os.Remove(m.sock)
	l, err := net.Listen("unix", m.sock)
	if err != nil {
		return err
	}
	m.l = l
	return nil
}

func (m *monitor) busy() bool {
	m.rt.mu.Lock()
	n := len(m.rt.live)
	m.rt.mu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	if n > 0 {
		m.lastBusy = time.Now()
	}
	return n > 0 || time.Since(m.lastBusy) < monitorIdle
}

// serve accepts requests until the monitor has been idle for monitorIdle.
// Stopping takes the start lock, so no program starts a second monitor
// or talks to one that is going away.
func (m *monitor) serve() {
	m.lastBusy = time.Now()
	go func() {
		for {
			conn, err := m.l.Accept()
			if err != nil {
				return
			}
			m.inflight.Add(1)
			m.mu.Lock()
			m.lastBusy = time.Now()
			m.mu.Unlock()
			go func() {
				defer m.inflight.Done()
				m.handle(conn)
				m.handled.Add(1)
			}()
		}
	}()
	for {
		time.Sleep(monitorIdle / 4)
		m.release()
		if m.busy() {
			continue
		}
		f, err := os.OpenFile(filepath.Join(m.rt.dir, monitorStartLock), os.O_RDWR|os.O_CREATE, 0o600)
		if errors.Is(err, os.ErrNotExist) {
			_ = m.l.Close() // the root was deleted under us: nothing to watch
			return
		}
		if err != nil {
			continue
		}
		if flock.Lock(context.Background(), f, true, true) != nil {
			f.Close()
			continue
		}
		_ = m.l.Close()
		m.inflight.Wait()
		if m.busy() {
			if err := m.listen(); err == nil {
				f.Close()
				m.serve()
				return
			}
		}
		_ = os.Remove(m.sock)
		f.Close()
		return
	}
}

// release gives the memory a burst of requests left free back to the
// system once the burst is over: no request was served since the last
// tick, but some since the last release. Starting a hundred containers at
// once grows the heap to a few MB, where what stays live (a watcher per
// container) is about 1 MB, and Go's scavenger would return the rest only
// slowly. A forced collection of so small a heap costs about a millisecond.
func (m *monitor) release() {
	n := m.handled.Load()
	if n == m.released {
		return
	}
	if m.lastTick != n {
		m.lastTick = n // still busy: try again next tick
		return
	}
	m.released = n
	debug.FreeOSMemory()
}

func (m *monitor) handle(conn net.Conn) {
	defer conn.Close()
	var req monitorRequest
	if err := readJSONLine(conn, &req); err != nil {
		return
	}
	reply := func(err error) bool {
		b, _ := json.Marshal(replyFor(err))
		_, werr := conn.Write(append(b, '\n'))
		return err == nil && werr == nil
	}
	ctx := context.Background()
	switch req.Op {
	case "start":
		if !req.Attach {
			_, err := m.rt.startLocal(ctx, req.ID, startOptions{}, true, nil)
			reply(err)
			return
		}
		// What the container writes before the reply has gone out waits
		// for it.
		var p *process
		out := &heldWriter{w: conn}
		a := &attachment{stdout: frame(out, 1), stderr: frame(out, 2), done: make(chan struct{})}
		// The client is gone when a write to it fails: the end of its
		// stdin no longer tells (streamAttached).
		out.failed = func() {
			if p != nil {
				go p.detach(a)
			}
		}
		p, err := m.rt.startLocal(ctx, req.ID, startOptions{attachment: a, consoleSize: [2]uint16{req.Rows, req.Cols}}, true, nil)
		started := p != nil
		if err == nil && p == nil { // started meanwhile: attached to
			if p = m.rt.liveProcess(req.ID); p == nil {
				err = fmt.Errorf("container %s: %w", shortID(req.ID), ErrNotRunning)
			} else {
				p.attachOne(a)
			}
		}
		ok := reply(err)
		out.release()
		if err != nil {
			return
		}
		if !ok {
			p.detach(a)
			return
		}
		streamAttached(conn, p, a, req.Stdin, started)
	case "resize":
		p := m.rt.liveProcess(req.ID)
		if p == nil {
			reply(fmt.Errorf("container %s: %w", shortID(req.ID), ErrNotRunning))
			return
		}
		reply(p.resize(req.Rows, req.Cols))
	case "attach":
		p := m.rt.liveProcess(req.ID)
		if p == nil {
			reply(fmt.Errorf("container %s: %w", shortID(req.ID), ErrNotRunning))
			return
		}
		if !reply(nil) {
			return
		}
		streamAttached(conn, p, p.attach(frame(conn, 1), frame(conn, 2)), req.Stdin, false)
	default:
		reply(fmt.Errorf("unknown monitor request %q: %w", req.Op, ErrInvalid))
	}
}

// streamAttached copies conn to the container's stdin (when stdin and it
// has one) until the client's stdin ends or the client goes away, which
// ends the attachment a, and returns once a has ended: then, or when the
// container exits. With once, the attachment of a start (docker's
// StdinOnce), the end of the client's stdin closes the container's
// instead, unless it is a TTY, and its output goes on.
func streamAttached(conn net.Conn, p *process, a *attachment, stdin, once bool) {
	go func() {
		if stdin && p.stdin != nil {
			_, _ = io.Copy(p.stdin, conn)
		} else {
			_, _ = io.Copy(io.Discard, conn)
		}
		if once && p.pty == nil {
			if stdin && p.stdin != nil {
				_ = p.stdin.Close()
			}
			return
		}
		p.detach(a)
	}()
	<-a.done
}

// frame writes to w in docker's multiplexed stream format (see demux) as
// stream (1 stdout, 2 stderr). The frames of one w are written whole.
func frame(w io.Writer, stream byte) io.Writer {
	return writerFunc(func(b []byte) (int, error) {
		var h [8]byte
		h[0] = stream
		binary.BigEndian.PutUint32(h[4:], uint32(len(b)))
		if _, err := w.Write(append(h[:], b...)); err != nil {
			return 0, err
		}
		return len(b), nil
	})
}

// heldWriter keeps what is written to it until release, then writes it
// and everything after it to w.
type heldWriter struct {
	mu       sync.Mutex
	w        io.Writer
	held     []byte
	released bool
	// failed, if set, is called once, after the first write to w that
	// fails; err is that write's error, which every later write returns.
	failed func()
	err    error
}

func (h *heldWriter) Write(b []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.released {
		h.held = append(h.held, b...)
		return len(b), nil
	}
	return h.write(b)
}

func (h *heldWriter) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.released = true
	if len(h.held) > 0 {
		_, _ = h.write(h.held)
	}
	h.held = nil
}

func (h *heldWriter) write(b []byte) (int, error) {
	if h.err != nil {
		return 0, h.err
	}
	n, err := h.w.Write(b)
	if err != nil {
		h.err = err
		if h.failed != nil {
			h.failed()
		}
	}
	return n, err
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

func (p *process) resize(rows, cols uint16) error {
	if p.pty == nil {
		return fmt.Errorf("container has no TTY: %w", ErrInvalid)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ptyClosed {
		return fmt.Errorf("container %s: %w", shortID(p.id), ErrNotRunning)
	}
	return pty.Setsize(p.pty, &pty.Winsize{Rows: rows, Cols: cols})
}

// demux reads docker's multiplexed stream (an 8-byte header: stream, 0, 0,
// 0, big-endian length) into stdout and stderr.
func demux(r io.Reader, stdout, stderr io.Writer) error {
	br := bufio.NewReader(r)
	var h [8]byte
	for {
		if _, err := io.ReadFull(br, h[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		w := stdout
		if h[0] == 2 && stderr != nil {
			w = stderr
		}
		if w == nil {
			w = io.Discard
		}
		if _, err := io.CopyN(w, br, int64(binary.BigEndian.Uint32(h[4:]))); err != nil {
			return err
		}
	}
}
