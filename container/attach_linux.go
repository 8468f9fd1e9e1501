package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
)

// ErrDetached is returned by Attach when the caller typed the detach keys:
// the container keeps running.
var ErrDetached = errors.New("detached from container")

// AttachOptions are the streams of docker attach.
type AttachOptions struct {
	// Stdin is copied to the container (when its OpenStdin is set). With
	// Start, its end closes the container's stdin, as docker's StdinOnce
	// does, and the output goes on until the exit; with a TTY, its end
	// ends the attachment, as docker's does, and the container runs on.
	// Without Start, its end changes nothing: the attachment lasts until
	// the exit, the detach keys or ctx (docker ends it).
	Stdin io.Reader
	// Stdout and Stderr receive the container's output from now on; with a
	// TTY everything arrives on Stdout.
	Stdout, Stderr io.Writer
	// DetachKeys ends the attachment when read from Stdin, as docker's
	// --detach-keys ("ctrl-p,ctrl-q" by default; "" keeps the default).
	DetachKeys string
	// Start starts the container first, as Start with Detach does, and
	// attaches from its first output: docker start --attach, and docker
	// run -it, which can be detached from. The container is the root's
	// monitor's: it outlives this program. A running container is attached
	// to as without Start.
	Start bool
	// ConsoleSize, with Start and a TTY, is the TTY's size at this start,
	// rows then columns, in place of the container's ConsoleSize: the
	// size of the terminal that attaches now, where docker's CLI resizes
	// the TTY right after the start. Zero keeps ConsoleSize.
	ConsoleSize [2]uint16
}

// Attach connects streams to a running container until it exits, ctx
// ends or the detach keys are read (ErrDetached).
func (c *Container) Attach(ctx context.Context, opts AttachOptions) error {
	keys, err := ParseDetachKeys(opts.DetachKeys)
	if err != nil {
		return fmt.Errorf("attach container %s: %w", c.ShortID(), err)
	}
	detached := make(chan struct{})
	var stdin io.Reader
	if opts.Stdin != nil {
		stdin = &detachReader{r: opts.Stdin, keys: keys, detached: detached}
	}
	st, err := c.state()
	if err != nil {
		return fmt.Errorf("attach container %s: %w", c.ShortID(), err)
	}
	if opts.Start && st.Status != StatusRunning {
		conn, err := c.rt.monitorCall(ctx, monitorRequest{Op: "start", ID: c.id, Attach: true, Stdin: stdin != nil, Rows: opts.ConsoleSize[0], Cols: opts.ConsoleSize[1]})
		if err != nil {
			return fmt.Errorf("start container %s: %w", c.ShortID(), err)
		}
		return attachConn(ctx, conn, stdin, opts, detached, true)
	}
	if st.Status != StatusRunning {
		return fmt.Errorf("attach container %s: %w", c.ShortID(), &StateError{ID: c.id, Op: "attach", Status: st.Status})
	}
	if p := c.rt.liveProcess(c.id); p != nil {
		a := p.attach(opts.Stdout, opts.Stderr)
		defer p.detach(a)
		if stdin != nil && p.stdin != nil {
			go func() { _, _ = io.Copy(p.stdin, stdin) }()
		}
		select {
		case <-a.done:
			return nil
		case <-p.done:
			return nil
		case <-detached:
			return ErrDetached
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	conn, err := c.rt.monitorCall(ctx, monitorRequest{Op: "attach", ID: c.id, Stdin: stdin != nil})
	if err != nil {
		return fmt.Errorf("attach container %s: %w", c.ShortID(), err)
	}
	return attachConn(ctx, conn, stdin, opts, detached, false)
}

// attachConn streams an attachment through the monitor: stdin to conn,
// conn's frames to opts' writers. With once (Start), the end of stdin is
// passed on (streamAttached), unless it came from the detach keys.
func attachConn(ctx context.Context, conn net.Conn, stdin io.Reader, opts AttachOptions, detached <-chan struct{}, once bool) error {
	defer conn.Close()
	if stdin != nil {
		go func() {
			_, err := io.Copy(conn, stdin)
			select {
			case <-detached:
				return
			default:
			}
			if uc, ok := conn.(*net.UnixConn); ok && once && err == nil {
				_ = uc.CloseWrite()
			}
		}()
	}
	done := make(chan error, 1)
	go func() { done <- demux(conn, opts.Stdout, opts.Stderr) }()
	select {
	case err := <-done:
		return err
	case <-detached:
		return ErrDetached
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Resize sets the size of the container's TTY.
func (c *Container) Resize(ctx context.Context, rows, cols uint16) error {
	if p := c.rt.liveProcess(c.id); p != nil {
		return p.resize(rows, cols)
	}
	conn, err := c.rt.monitorCall(ctx, monitorRequest{Op: "resize", ID: c.id, Rows: rows, Cols: cols})
	if err != nil {
		return fmt.Errorf("resize container %s: %w", c.ShortID(), err)
	}
	return conn.Close()
}

// ParseDetachKeys reads docker's detach key notation: a comma-separated
// list of single characters and "ctrl-X" (X a letter or one of @[\]^_).
func ParseDetachKeys(s string) ([]byte, error) {
	if s == "" {
		s = "ctrl-p,ctrl-q"
	}
	var out []byte
	for _, k := range strings.Split(s, ",") {
		if ctrl, ok := strings.CutPrefix(k, "ctrl-"); ok && len(ctrl) == 1 {
			ch := ctrl[0]
			switch {
			case ch >= 'a' && ch <= 'z':
				out = append(out, ch-'a'+1)
				continue
			case ch == '@' || ch == '[' || ch == '\\' || ch == ']' || ch == '^' || ch == '_':
				out = append(out, ch-'@')
				continue
			}
		} else if len(k) == 1 {
			out = append(out, k[0])
			continue
		}
		return nil, fmt.Errorf("invalid detach keys %q: %w", s, ErrInvalid)
	}
	return out, nil
}

// detachReader passes stdin through until it sees the detach keys.
type detachReader struct {
	r        io.Reader
	keys     []byte
	matched  int
	detached chan struct{}
	closed   bool
}

func (d *detachReader) Read(p []byte) (int, error) {
	if d.closed {
		return 0, io.EOF
	}
	n, err := d.r.Read(p)
	out := p[:0]
	for _, b := range p[:n] {
		if b == d.keys[d.matched] {
			d.matched++
			if d.matched == len(d.keys) {
				d.closed = true
				close(d.detached)
				return len(out), io.EOF
			}
			continue
		}
		// A partial match that breaks is passed on as typed.
		out = append(out, d.keys[:d.matched]...)
		d.matched = 0
		out = append(out, b)
	}
	return copy(p, out), err
}
