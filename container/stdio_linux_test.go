package container

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStdinAndTTY(t *testing.T) {
	rt, ctx := testRuntime(t)
	// Stdin piped to an attached container.
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: []string{"sh", "-c", "tr a-z A-Z"}, OpenStdin: true})
	require.NoError(t, err)
	var out bytes.Buffer
	exited, _ := c.Wait(ctx, WaitNextExit)
	require.NoError(t, c.Start(ctx, WithStdio(strings.NewReader("hello stdin\n"), &lockedWriter{w: &out}, io.Discard)))
	s := <-exited
	assert.Equal(t, 0, s.ExitCode)
	assert.Equal(t, "HELLO STDIN\n", out.String())

	// A TTY: the process sees a terminal, with the size set by Resize.
	c, err = rt.Create(ctx, Config{Image: "busybox", Cmd: sh("read line; test -t 0 && echo tty; stty size; echo got $line"), Tty: true, OpenStdin: true})
	require.NoError(t, err)
	out.Reset()
	pr, pw := io.Pipe()
	exited, _ = c.Wait(ctx, WaitNextExit)
	require.NoError(t, c.Start(ctx, WithStdio(pr, &lockedWriter{w: &out}, nil)))
	require.NoError(t, c.Resize(ctx, 33, 111))
	_, err = pw.Write([]byte("typed\r"))
	require.NoError(t, err)
	s = <-exited
	pw.Close()
	assert.Equal(t, 0, s.ExitCode)
	assert.Contains(t, out.String(), "tty\r\n33 111\r\ngot typed\r\n")
}

func TestAttachToDetachedContainer(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh("while read line; do echo echo: $line; echo err: $line >&2; done"), OpenStdin: true})
	require.NoError(t, err)
	require.NoError(t, c.Start(ctx, Detach()))
	pr, pw := io.Pipe()
	var stdout, stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- c.Attach(ctx, AttachOptions{Stdin: pr, Stdout: &stdout, Stderr: &stderr})
	}()
	time.Sleep(200 * time.Millisecond)
	_, err = pw.Write([]byte("one\n"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strings.Contains(stdout.String(), "echo: one") }, 5*time.Second, 20*time.Millisecond)
	// ctrl-p ctrl-q detaches; the container keeps running.
	_, err = pw.Write([]byte{16, 17})
	require.NoError(t, err)
	select {
	case err := <-done:
		assert.ErrorIs(t, err, ErrDetached)
	case <-time.After(5 * time.Second):
		t.Fatal("detach keys did not detach")
	}
	info, err := c.Inspect(ctx)
	require.NoError(t, err)
	assert.True(t, info.State.Running)
	var logs bytes.Buffer
	require.NoError(t, c.Logs(ctx, LogsOptions{Tail: -1}, &logs, &logs))
	assert.Contains(t, logs.String(), "echo: one\n")
	assert.Contains(t, logs.String(), "err: one\n")
	require.NoError(t, c.Remove(ctx, RemoveOptions{Force: true}))
}

func TestParseDetachKeys(t *testing.T) {
	for in, want := range map[string][]byte{"": {16, 17}, "ctrl-a": {1}, "ctrl-x,x": {24, 'x'}, "ctrl-@,ctrl-_": {0, 31}} {
		got, err := ParseDetachKeys(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"ctrl-", "ctrl-1", "ab", "ctrl-p,,"} {
		_, err := ParseDetachKeys(bad)
		assert.ErrorIs(t, err, ErrInvalid, bad)
	}
}

// A detached container's signals have their default dispositions: the
// monitor that starts it does not pass on signals it ignores.
func TestDetachedContainerCanTrapSignals(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh("trap 'exit 7' HUP; trap 'exit 8' INT; while true; do sleep 0.05; done")})
	require.NoError(t, err)
	require.NoError(t, c.Start(ctx, Detach()))
	time.Sleep(200 * time.Millisecond)
	require.NoError(t, c.Kill(ctx, syscall.SIGHUP))
	s, err := c.WaitExit(ctx)
	require.NoError(t, err)
	assert.Equal(t, 7, s.ExitCode)
	require.NoError(t, c.Remove(ctx, RemoveOptions{}))
}

// The monitor shows in ps and top as berth-monitor, not as the number of
// the descriptor it was executed through.
func TestMonitorIsNamed(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh("sleep 30")})
	require.NoError(t, err)
	require.NoError(t, c.Start(ctx, Detach()))
	pids := monitorsOf(rt.root)
	require.Len(t, pids, 1)
	comm, err := os.ReadFile(filepath.Join("/proc", pids[0], "comm"))
	require.NoError(t, err)
	assert.Equal(t, monitorArg0+"\n", string(comm))
	require.NoError(t, c.Remove(ctx, RemoveOptions{Force: true}))
}

// Attach with Start, docker start --attach: the output from the first
// byte, stdin, the exit code, and the container is the monitor's.
func TestAttachStartStreamsFromTheFirstByte(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh("echo first; echo first err >&2; read line; echo got $line; exit 3"), OpenStdin: true})
	require.NoError(t, err)
	exited, errc := c.Wait(ctx, WaitNextExit)
	var stdout, stderr lockedBuffer
	require.NoError(t, c.Attach(ctx, AttachOptions{Stdin: strings.NewReader("typed\n"), Stdout: &stdout, Stderr: &stderr, Start: true}))
	assert.Equal(t, "first\ngot typed\n", stdout.String())
	assert.Equal(t, "first err\n", stderr.String())
	assert.Equal(t, 3, waitFor(t, exited, errc).ExitCode)
	assert.Len(t, monitorsOf(rt.root), 1, "the monitor started the container")

	// A command that cannot run fails the start as Start does.
	c, err = rt.Create(ctx, Config{Image: "busybox", Cmd: []string{"/no/such/command"}})
	require.NoError(t, err)
	err = c.Attach(ctx, AttachOptions{Stdout: io.Discard, Start: true})
	var exitErr *ExitError
	require.ErrorAs(t, err, &exitErr)
	assert.Equal(t, 127, exitErr.Code)
}

// AttachOptions.ConsoleSize sizes the TTY at that start only; a start
// without it has the container's ConsoleSize.
func TestAttachStartWithAConsoleSize(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: []string{"busybox", "stty", "size"}, Tty: true, ConsoleSize: [2]uint16{33, 111}})
	require.NoError(t, err)
	var out lockedBuffer
	require.NoError(t, c.Attach(ctx, AttachOptions{Stdout: &out, Start: true, ConsoleSize: [2]uint16{44, 122}}))
	assert.Equal(t, "44 122\r\n", out.String())
	out.Reset()
	require.NoError(t, c.Attach(ctx, AttachOptions{Stdout: &out, Start: true}))
	assert.Equal(t, "33 111\r\n", out.String())
	require.NoError(t, c.Remove(ctx, RemoveOptions{}))
}

// With a TTY and stdin, docker run -it: the TTY has the size of
// ConsoleSize from the start, and the detach keys leave the container
// running, to be attached to again.
func TestAttachStartCanBeDetachedFrom(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh("stty size; while read line; do echo got $line; done"), Tty: true, OpenStdin: true, ConsoleSize: [2]uint16{33, 111}})
	require.NoError(t, err)
	pr, pw := io.Pipe()
	defer pw.Close()
	var out lockedBuffer
	done := make(chan error, 1)
	go func() { done <- c.Attach(ctx, AttachOptions{Stdin: pr, Stdout: &out, Start: true}) }()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "33 111\r\n") }, 5*time.Second, 20*time.Millisecond, out.String())
	_, err = pw.Write([]byte("one\r"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "got one\r\n") }, 5*time.Second, 20*time.Millisecond, out.String())
	_, err = pw.Write([]byte{16, 17})
	require.NoError(t, err)
	select {
	case err := <-done:
		require.ErrorIs(t, err, ErrDetached)
	case <-time.After(5 * time.Second):
		t.Fatal("detach keys did not detach")
	}
	info, err := c.Inspect(ctx)
	require.NoError(t, err)
	assert.True(t, info.State.Running, "detached from, the container runs on")

	// Attached to again, with Start: it runs already.
	pr2, pw2 := io.Pipe()
	defer pw2.Close()
	out.Reset()
	go func() { done <- c.Attach(ctx, AttachOptions{Stdin: pr2, Stdout: &out, Start: true}) }()
	require.Eventually(t, func() bool {
		_, _ = pw2.Write([]byte("two\r"))
		return strings.Contains(out.String(), "got two\r\n")
	}, 5*time.Second, 100*time.Millisecond, out.String())
	require.NoError(t, c.Stop(ctx, 0))
	select {
	case err := <-done:
		require.NoError(t, err, "the container's exit ends the attachment")
	case <-time.After(5 * time.Second):
		t.Fatal("the attachment outlived the container")
	}
	require.NoError(t, c.Remove(ctx, RemoveOptions{}))
}

// As docker's StdinOnce: the end of stdin given to Attach with Start
// closes the container's stdin, and its output goes on to its exit;
// with a TTY it ends the attachment instead, and the container runs on.
func TestAttachStartAtTheEndOfStdin(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh("cat; echo done"), OpenStdin: true})
	require.NoError(t, err)
	var out lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- c.Attach(ctx, AttachOptions{Stdin: strings.NewReader("hello\n"), Stdout: &out, Start: true})
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		require.NoError(t, c.Kill(ctx, syscall.SIGKILL))
		t.Fatal("the container's stdin was not closed")
	}
	assert.Equal(t, "hello\ndone\n", out.String())
	info, err := c.Inspect(ctx)
	require.NoError(t, err)
	assert.False(t, info.State.Running)
	assert.Equal(t, 0, info.State.ExitCode)
	require.NoError(t, c.Remove(ctx, RemoveOptions{}))

	c, err = rt.Create(ctx, Config{Image: "busybox", Cmd: sh("echo up; while true; do sleep 1; done"), Tty: true, OpenStdin: true})
	require.NoError(t, err)
	out.Reset()
	go func() { done <- c.Attach(ctx, AttachOptions{Stdin: strings.NewReader(""), Stdout: &out, Start: true}) }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("the end of stdin did not end the attachment")
	}
	info, err = c.Inspect(ctx)
	require.NoError(t, err)
	assert.True(t, info.State.Running, "the container runs on")
	require.NoError(t, c.Remove(ctx, RemoveOptions{Force: true}))
}
