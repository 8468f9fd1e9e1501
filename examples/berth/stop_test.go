//go:build linux

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStopRestartKillRm(t *testing.T) {
	b := newContainerBerth(t)
	trap := `trap 'echo got TERM; exit 3' TERM; trap 'echo got USR1; exit 4' USR1; echo up; while :; do sleep 0.1; done`
	id := b.runDetached(t, "--name", "svc", "busybox", "sh", "-c", trap)
	waitUntil(t, func() bool { return strings.Contains(b.ok(t, "logs", "svc").stdout, "up") }, "started")

	assert.Equal(t, "svc\n", b.ok(t, "stop", "svc").stdout)
	assert.Equal(t, "3\n", b.ok(t, "wait", "svc").stdout, "stop sends SIGTERM, which the shell traps")
	assert.Equal(t, "svc\n", b.ok(t, "stop", "svc").stdout, "stopping a stopped container is fine")

	assert.Equal(t, "svc\n", b.ok(t, "restart", "svc").stdout)
	assert.Equal(t, "running", strings.TrimSpace(b.ok(t, "ps", "--format", "{{.State}}").stdout), "restart starts it again")
	waitUntil(t, func() bool { return strings.Count(b.ok(t, "logs", "svc").stdout, "up") == 2 }, "restarted")

	assert.Equal(t, "svc\n", b.ok(t, "stop", "-s", "USR1", "svc").stdout)
	assert.Equal(t, "4\n", b.ok(t, "wait", "svc").stdout, "--signal replaces the stop signal")

	b.ok(t, "start", "svc")
	waitUntil(t, func() bool { return strings.Count(b.ok(t, "logs", "svc").stdout, "up") == 3 }, "started again")
	assert.Equal(t, "svc\n", b.ok(t, "kill", "-s", "SIGUSR1", "svc").stdout)
	assert.Equal(t, "4\n", b.ok(t, "wait", "svc").stdout)
	assert.Equal(t, "up\ngot TERM\nup\ngot USR1\nup\ngot USR1\n", b.ok(t, "logs", "svc").stdout)

	b.ok(t, "start", "svc")
	assert.Equal(t, id[:12]+"\n", b.ok(t, "kill", id[:12]).stdout, "an ID prefix works and is printed as given")
	assert.Equal(t, "137\n", b.ok(t, "wait", "svc").stdout, "kill sends SIGKILL by default")
	b.fails(t, exitError, "invalid signal: BOGUS", "kill", "-s", "BOGUS", "svc")
	b.fails(t, exitError, "is exited", "kill", "svc")

	b.runDetached(t, "--name", "busy", "busybox", "sleep", "1000")
	b.fails(t, exitError, "stop the container before removing or force remove", "rm", "busy")
	start := time.Now()
	b.ok(t, "stop", "-t", "1", "busy")
	assert.Less(t, time.Since(start), 8*time.Second, "-t shortens the wait before SIGKILL")

	r := b.run(t, "rm", "svc", "nosuch", "busy")
	assert.Equal(t, exitError, r.code)
	assert.Equal(t, "svc\nbusy\n", r.stdout, "every argument is tried")
	assert.Contains(t, r.stderr, "no such container: nosuch")

	b.runDetached(t, "--name", "forced", "busybox", "sleep", "1000")
	r = b.ok(t, "rm", "-f", "forced", "nosuch")
	assert.Equal(t, "forced\n", r.stdout, "-f removes a running container and ignores missing ones")
	assert.Empty(t, r.stderr)
	assert.Empty(t, b.ok(t, "ps", "-aq").stdout)
	r = b.run(t, "stop", "--time", "1", "-t", "1", "svc")
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stderr, "Error: conflicting options: cannot specify both --timeout and --time")
}

func TestRmVolumesRemovesAnonymousVolumes(t *testing.T) {
	b := newContainerBerth(t)
	b.ok(t, "create", "--name", "vols", "-v", "/anon", "-v", "kept:/kept", "busybox")
	info := b.ok(t, "inspect", "--format", "{{range .Mounts}}{{.Name}} {{end}}", "vols").stdout
	names := strings.Fields(info)
	require.Len(t, names, 2, info)
	b.ok(t, "rm", "-v", "vols")
	r := b.ok(t, "run", "--rm", "-v", "kept:/kept", "busybox", "true")
	assert.Empty(t, r.stderr)
	assert.NotContains(t, b.ok(t, "volume", "ls", "-q").stdout, anonymousOf(names), "the anonymous volume is gone")
	assert.Contains(t, b.ok(t, "volume", "ls", "-q").stdout, "kept", "named volumes stay")
	b.ok(t, "volume", "rm", "kept")
}

// anonymousOf picks the anonymous volume (a 64-hex name) among names.
func anonymousOf(names []string) string {
	for _, n := range names {
		if len(n) == 64 {
			return n
		}
	}
	return "no anonymous volume"
}

// An auto-removed container (run -d --rm) stops like any other, and
// restart keeps it, as docker does; it goes when it stops.
func TestStopAndRestartAnAutoRemovedContainer(t *testing.T) {
	b := newContainerBerth(t)
	b.runDetached(t, "--rm", "--name", "temp", "busybox", "sleep", "1000")
	assert.Equal(t, "temp\n", b.ok(t, "restart", "-t", "0", "temp").stdout)
	assert.Equal(t, "running", strings.TrimSpace(b.ok(t, "ps", "--format", "{{.State}}").stdout), "kept and running")
	assert.Equal(t, "temp\n", b.ok(t, "stop", "-t", "0", "temp").stdout)
	waitUntil(t, func() bool { return b.ok(t, "ps", "-aq").stdout == "" }, "removed once stopped")
}
