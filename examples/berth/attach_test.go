//go:build linux

package main

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// typedStdin hands out what the test sends, then EOF once it is closed:
// keys typed at the right moment.
type typedStdin chan []byte

func (s typedStdin) Read(p []byte) (int, error) {
	b, ok := <-s
	if !ok {
		return 0, io.EOF
	}
	return copy(p, b), nil
}

func TestAttachDetachKeysLeaveTheContainerRunning(t *testing.T) {
	b := newContainerBerth(t)
	b.runDetached(t, "-i", "--name", "echoer", "busybox", "cat")

	stdin := make(typedStdin)
	defer close(stdin)
	bg := b.runInBackground(t, stdin, "attach", "echoer")
	stdin <- []byte("hello\n")
	waitUntil(t, func() bool { return bg.stdout.String() == "hello\n" }, "attached: stdin reaches the container, its output comes back")
	stdin <- []byte{0x10, 0x11} // Ctrl-P Ctrl-Q
	assert.Equal(t, exitError, bg.wait(t), "docker attach exits with 1 when detached")
	assert.Equal(t, "read escape sequence\n", bg.stderr.String())
	assert.Equal(t, "running", strings.TrimSpace(b.ok(t, "ps", "--format", "{{.State}}", "--filter", "name=echoer").stdout))

	stdin2 := make(typedStdin)
	defer close(stdin2)
	bg = b.runInBackground(t, stdin2, "attach", "--detach-keys", "ctrl-x,x", "echoer")
	stdin2 <- []byte("again\n")
	waitUntil(t, func() bool { return bg.stdout.String() == "again\n" }, "attached again")
	stdin2 <- []byte{0x18, 'x'}
	assert.Equal(t, exitError, bg.wait(t))
	assert.Equal(t, "read escape sequence\n", bg.stderr.String())
	assert.Equal(t, "hello\nagain\n", b.ok(t, "logs", "echoer").stdout)

	b.fails(t, exitError, "invalid detach keys", "attach", "--detach-keys", "ctrl-", "echoer")
}

// untilGo is a script that says "waiting" every 50 ms until /tmp/go
// exists: output that shows when an attachment has begun.
const untilGo = "echo early; until [ -e /tmp/go ]; do echo waiting; sleep 0.05; done"

func TestAttachFollowsOutputAndExitsWithTheContainersCode(t *testing.T) {
	b := newContainerBerth(t)
	b.runDetached(t, "--name", "late", "busybox", "sh", "-c", untilGo+"; echo late; echo late-err >&2; exit 6")
	waitUntil(t, func() bool { return strings.Contains(b.ok(t, "logs", "late").stdout, "waiting") }, "started")
	bg := b.runInBackground(t, strings.NewReader(""), "attach", "--no-stdin", "late")
	waitUntil(t, func() bool { return strings.Contains(bg.stdout.String(), "waiting") }, "attached")
	b.ok(t, "exec", "late", "touch", "/tmp/go")
	assert.Equal(t, 6, bg.wait(t), bg.stderr.String())
	assert.NotContains(t, bg.stdout.String(), "early", "attach shows output from now on")
	assert.True(t, strings.HasSuffix(bg.stdout.String(), "waiting\nlate\n"), bg.stdout.String())
	assert.Equal(t, "late-err\n", bg.stderr.String())

	b.fails(t, exitError, "cannot attach to a stopped container, start it first", "attach", "late")
	b.fails(t, exitError, "no such container", "attach", "nosuch")
	b.fails(t, exitUsage, "accepts 1 arg", "attach", "late", "other")
}

func TestStartAttachToARunningContainer(t *testing.T) {
	b := newContainerBerth(t)
	b.runDetached(t, "--name", "runner", "busybox", "sh", "-c", untilGo+"; echo done; exit 2")
	bg := b.runInBackground(t, strings.NewReader(""), "start", "-a", "runner")
	waitUntil(t, func() bool { return strings.Contains(bg.stdout.String(), "waiting") }, "attached")
	b.ok(t, "exec", "runner", "touch", "/tmp/go")
	require.Equal(t, 2, bg.wait(t), bg.stderr.String())
	assert.True(t, strings.HasSuffix(bg.stdout.String(), "waiting\ndone\n"), "start -a of a running container attaches to it: %q", bg.stdout.String())
}
