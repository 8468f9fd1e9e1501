//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// pty is a pseudo-terminal of 100x30 for berth's stdin and stdout: the
// test types on the master side and reads what berth and the container
// show. Its descriptors are used through SyscallConn, never Fd(), so they
// stay non-blocking and closing the terminal side ends a read that berth
// leaves pending on its stdin.
type pty struct {
	master, tty *os.File
	mu          sync.Mutex
	out         bytes.Buffer
	done        chan struct{}
}

func openPTY(t *testing.T) *pty {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	require.NoError(t, err)
	var n int
	require.NoError(t, withFd(master, func(fd int) error {
		if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
			return err
		}
		n, err = unix.IoctlGetInt(fd, unix.TIOCGPTN)
		return err
	}))
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	require.NoError(t, err)
	require.NoError(t, withFd(tty, func(fd int) error {
		return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: 30, Col: 100})
	}))
	p := &pty{master: master, tty: tty, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf) // EIO once the terminal side is closed
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { p.close() })
	return p
}

// output is what was shown on the terminal so far.
func (p *pty) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// close closes the terminal and returns everything shown on it.
func (p *pty) close() string {
	p.tty.Close()
	<-p.done
	p.master.Close()
	return p.output()
}

// run runs berth in the background with the terminal as stdin and stdout.
func (p *pty) run(b *berth, args ...string) (stderr *lockedBuffer, done chan int) {
	stderr, done = &lockedBuffer{}, make(chan int, 1)
	go func() {
		done <- run(context.Background(), append(append([]string(nil), b.globalArgs...), args...), streams{
			stdin: p.tty, stdout: p.tty, stderr: stderr, getenv: b.env,
		})
	}()
	return stderr, done
}

func TestRunWithATTYSizesItLikeTheTerminal(t *testing.T) {
	b := newContainerBerth(t)
	p := openPTY(t)
	// No wait: the TTY has the size from the start (ConsoleSize).
	stderr, done := p.run(b, "run", "-t", "busybox", "sh", "-c", "busybox stty size; test -t 0 && echo terminal")
	require.Equal(t, 0, <-done, stderr)
	// Lines end "\r\r\n": the container's terminal adds a "\r", and so does
	// berth's, which is not in raw mode without -i (as with docker).
	assert.Equal(t, "30 100\nterminal\n", strings.ReplaceAll(p.close(), "\r", ""), "the container's TTY takes the size of berth's terminal")
}

func TestRunInteractiveWithATTYPassesKeysThrough(t *testing.T) {
	b := newContainerBerth(t)
	p := openPTY(t)
	stderr, done := p.run(b, "run", "-i", "-t", "busybox", "sh", "-c", `echo ready; read line; echo "got $line"; exit 9`)
	waitUntil(t, func() bool { return strings.Contains(p.output(), "ready") }, "the container starts")
	_, err := io.WriteString(p.master, "typed\r")
	require.NoError(t, err)
	assert.Equal(t, 9, <-done, stderr)
	var termios *unix.Termios
	require.NoError(t, withFd(p.tty, func(fd int) (err error) {
		termios, err = unix.IoctlGetTermios(fd, unix.TCGETS)
		return err
	}))
	assert.NotZero(t, termios.Lflag&unix.ICANON, "berth restores the terminal when the container exits")
	out := p.close()
	assert.Contains(t, out, "typed\r\n", "the container's terminal echoes the keys")
	assert.Contains(t, out, "got typed\r\n")
	assert.NotContains(t, out, "\r\r\n", "berth's terminal was raw: only the container's adds \\r")
}

// typeThenDetach types "one" to the script of container name, which
// answers "got one", then the detach keys: berth, whose run is done and
// stderr, exits with 0 and prints nothing, as docker run and docker start
// do; the container runs on.
func (p *pty) typeThenDetach(t *testing.T, b *berth, name string, done chan int, stderr *lockedBuffer) {
	t.Helper()
	_, err := io.WriteString(p.master, "one\r")
	require.NoError(t, err)
	waitUntil(t, func() bool { return strings.Contains(p.output(), "got one") }, "keys reach the container")
	_, err = p.master.Write([]byte{0x10, 0x11}) // Ctrl-P Ctrl-Q
	require.NoError(t, err)
	assert.Equal(t, 0, <-done, stderr)
	assert.Empty(t, stderr.String())
	assert.Equal(t, "running", strings.TrimSpace(b.ok(t, "ps", "--format", "{{.State}}", "--filter", "name="+name).stdout))
}

// docker run -it: the detach keys leave the container running and berth
// exits with 0; docker attach finds it, and it keeps its TTY's size.
func TestRunInteractiveWithATTYCanBeDetachedFrom(t *testing.T) {
	b := newContainerBerth(t)
	p := openPTY(t)
	stderr, done := p.run(b, "run", "-i", "-t", "--rm", "--name", "shell", "busybox", "sh", "-c", `busybox stty size; while read line; do echo "got $line"; done; exit 4`)
	waitUntil(t, func() bool { return strings.Contains(p.output(), "30 100") }, "the container starts, with the terminal's size")
	p.typeThenDetach(t, b, "shell", done, stderr)

	p2 := openPTY(t)
	stderr, done = p2.run(b, "attach", "shell")
	waitUntil(t, func() bool {
		_, _ = io.WriteString(p2.master, "two\r")
		time.Sleep(50 * time.Millisecond)
		return strings.Contains(p2.output(), "got two")
	}, "attached again")
	_, err := p2.master.Write([]byte{0x04}) // Ctrl-D: read fails, the script exits 4
	require.NoError(t, err)
	assert.Equal(t, 4, <-done, stderr)
	waitUntil(t, func() bool { return b.ok(t, "ps", "-a", "-q", "--filter", "name=shell").stdout == "" }, "--rm removes it once it exits")
}

// docker start -a -i of a container with a TTY: its first output arrives,
// from a TTY of the terminal's size (it was created without one), and the
// detach keys leave it running.
func TestStartAttachInteractiveWithATTYCanBeDetachedFrom(t *testing.T) {
	b := newContainerBerth(t)
	b.ok(t, "create", "-i", "-t", "--name", "later", "busybox", "sh", "-c", `busybox stty size; while read line; do echo "got $line"; done`)
	p := openPTY(t)
	stderr, done := p.run(b, "start", "-a", "-i", "later")
	waitUntil(t, func() bool { return strings.Contains(p.output(), "30 100") }, "its first output arrives, with the terminal's size")
	p.typeThenDetach(t, b, "later", done, stderr)
	b.ok(t, "rm", "-f", "later")
}
