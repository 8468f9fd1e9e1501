//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExecRunsInARunningContainer(t *testing.T) {
	b := newContainerBerth(t)
	b.runDetached(t, "--name", "box", "-e", "FROM_RUN=1", "-w", "/srv", "busybox", "sleep", "1000")

	r := b.ok(t, "exec", "box", "sh", "-c", `echo "$FROM_RUN $(pwd) $(id -u)"; echo to-stderr >&2`)
	assert.Equal(t, "1 /srv 0\n", r.stdout, "the container's environment, directory and user")
	assert.Equal(t, "to-stderr\n", r.stderr)

	envFile := filepath.Join(t.TempDir(), "env")
	require.NoError(t, os.WriteFile(envFile, []byte("FROM_FILE=2\n"), 0o600))
	r = b.ok(t, "exec", "-e", "FROM_EXEC=3", "--env-file", envFile, "-w", "/tmp", "-u", "nobody", "box",
		"sh", "-c", `echo "$FROM_RUN $FROM_FILE $FROM_EXEC $(pwd) $(id -u)"`)
	assert.Equal(t, "1 2 3 /tmp 65534\n", r.stdout)

	r = b.run(t, "exec", "box", "sh", "-c", "exit 5")
	assert.Equal(t, 5, r.code)
	assert.Empty(t, r.stderr)
	b.fails(t, 127, "executable file not found", "exec", "box", "nosuch")
	b.fails(t, 126, "permission denied", "exec", "box", "/etc/passwd")

	r = b.runWithStdin(t, strings.NewReader("piped\n"), "exec", "-i", "box", "cat")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "piped\n", r.stdout)

	r = b.ok(t, "exec", "-t", "box", "sh", "-c", "test -t 0 && echo $TERM")
	assert.Equal(t, "xterm\r\n", r.stdout)

	r = b.ok(t, "exec", "-d", "box", "sh", "-c", "echo detached > /tmp/mark")
	assert.Empty(t, r.stdout)
	waitUntil(t, func() bool { return b.run(t, "exec", "box", "cat", "/tmp/mark").stdout == "detached\n" }, "exec -d runs in the background")

	b.fails(t, exitUsage, "requires at least 2 arg", "exec", "box")
	b.fails(t, exitError, "no such container", "exec", "nosuch", "true")
	b.ok(t, "stop", "-t", "0", "box")
	id := strings.TrimSpace(b.ok(t, "ps", "-aq", "--no-trunc").stdout)
	b.fails(t, exitError, "container "+id+" is not running", "exec", "box", "true")
}
