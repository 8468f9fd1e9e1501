//go:build linux

package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/testimage"
	"github.com/berth-dev/berth/internal/testregistry"
)

func TestRunAttachedPrintsOutputAndExitsWithTheContainersCode(t *testing.T) {
	b := newContainerBerth(t)

	r := b.ok(t, "run", "busybox", "echo", "hello")
	assert.Equal(t, "hello\n", r.stdout)
	assert.Empty(t, r.stderr)

	r = b.run(t, "run", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3")
	assert.Equal(t, 3, r.code)
	assert.Equal(t, "out\n", r.stdout)
	assert.Equal(t, "err\n", r.stderr, "the container's exit code alone prints no error")

	r = b.fails(t, 127, "executable file not found", "run", "busybox", "nosuch")
	assert.Empty(t, r.stdout)
	b.fails(t, 126, "permission denied", "run", "busybox", "/etc/passwd")

	r = b.runWithStdin(t, strings.NewReader("from stdin\n"), "run", "-i", "busybox", "cat")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "from stdin\n", r.stdout, "-i copies stdin to the container")

	r = b.runWithStdin(t, strings.NewReader("ignored\n"), "run", "busybox", "cat")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stdout, "without -i the container's stdin is empty")

	r = b.ok(t, "run", "-t", "busybox", "sh", "-c", "echo err >&2; test -t 1 && echo tty")
	assert.Equal(t, "err\r\ntty\r\n", r.stdout, "with -t everything arrives on stdout, through a terminal")
}

func TestRunWithRmLeavesNothing(t *testing.T) {
	b := newContainerBerth(t)
	r := b.run(t, "run", "--rm", "--name", "gone", "busybox", "sh", "-c", "echo bye; exit 4")
	assert.Equal(t, 4, r.code, r.stderr)
	assert.Equal(t, "bye\n", r.stdout)
	assert.Empty(t, b.ok(t, "ps", "-a", "-q").stdout)

	b.fails(t, 127, "executable file not found", "run", "--rm", "busybox", "nosuch")
	assert.Empty(t, b.ok(t, "ps", "-a", "-q").stdout, "a container that could not start is removed too")

	id := b.runDetached(t, "--rm", "busybox", "true")
	b.run(t, "wait", id) // fails if the container is already gone
	waitUntil(t, func() bool { return b.ok(t, "ps", "-a", "-q").stdout == "" }, "the monitor removes a detached --rm container")

	// As docker: wait reports the exit of a container the monitor removes
	// right after it.
	id = b.runDetached(t, "--rm", "busybox", "sh", "-c", "sleep 0.3; exit 5")
	assert.Equal(t, "5\n", b.ok(t, "wait", id).stdout)
	waitUntil(t, func() bool { return b.ok(t, "ps", "-a", "-q").stdout == "" }, "removed after the wait read the exit")
}

func TestRunDetachedThenPsLogsExecStop(t *testing.T) {
	b := newContainerBerth(t)
	id := b.runDetached(t, "--name", "web", "busybox", "sh", "-c", "echo started; echo oops >&2; exec sleep 1000")

	r := b.ok(t, "ps")
	lines := r.lines()
	require.Len(t, lines, 2, r.stdout)
	assert.Equal(t, []string{"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"}, fields(lines[0]))
	row := fields(lines[1])
	require.Len(t, row, 6, lines[1])
	assert.Equal(t, id[:12], row[0])
	assert.Equal(t, "busybox", row[1])
	assert.Equal(t, `"sh -c echo started;…"`, row[2], "the command is quoted and cut to 20 characters")
	assert.True(t, strings.HasSuffix(row[3], " ago"), row[3])
	assert.True(t, strings.HasPrefix(row[4], "Up "), row[4])
	assert.Equal(t, "web", row[5])

	waitUntil(t, func() bool { return b.ok(t, "logs", "web").stdout == "started\n" }, "logs shows the output")
	r = b.ok(t, "logs", "web")
	assert.Equal(t, "oops\n", r.stderr, "stderr to stderr")

	r = b.ok(t, "exec", "web", "sh", "-c", "echo from exec; cat /proc/1/cmdline | tr '\\0' ' '; echo")
	assert.Equal(t, "from exec\nsleep 1000 \n", r.stdout, "exec runs beside the container's process, from a new invocation")

	assert.Equal(t, "web\n", b.ok(t, "stop", "-t", "1", "web").stdout)
	r = b.ok(t, "ps", "-a")
	row = fields(r.lines()[1])
	assert.Regexp(t, `^Exited \((137|143)\) .* ago$`, row[4])
	assert.Empty(t, b.ok(t, "ps", "-q").stdout, "ps without -a hides stopped containers")
	assert.Equal(t, "137\n", b.ok(t, "wait", id).stdout, "pid 1 ignores SIGTERM: stop ends with SIGKILL")
}

func TestRunFlagsAreVisibleInside(t *testing.T) {
	b := newContainerBerth(t)
	envFile := filepath.Join(t.TempDir(), "env")
	require.NoError(t, os.WriteFile(envFile, []byte("# settings\nFROM_FILE=file value\nDOCKER_CONFIG\n"), 0o600))
	b.home = "/home/tester" // what "-e HOME" reads from berth's environment

	r := b.ok(t, "run", "-e", "A=1", "-e", "HOME", "-e", "UNSET_ON_HOST", "--env-file", envFile, "busybox", "env")
	env := r.lines()
	assert.Contains(t, env, "A=1")
	assert.Contains(t, env, "HOME=/home/tester")
	assert.Contains(t, env, "FROM_FILE=file value")
	assert.Contains(t, env, "DOCKER_CONFIG="+b.dockerConfig, "a bare key in an env file reads berth's environment")
	for _, e := range env {
		assert.False(t, strings.HasPrefix(e, "UNSET_ON_HOST"), "an unset variable is dropped: %s", e)
	}

	assert.Equal(t, "/work/dir\n", b.ok(t, "run", "-w", "/work/dir", "busybox", "sh", "-c", "pwd").stdout)
	assert.Equal(t, "65534:65534\n", b.ok(t, "run", "-u", "nobody", "busybox", "sh", "-c", `echo "$(id -u):$(id -g)"`).stdout)
	assert.Equal(t, "boxname\n", b.ok(t, "run", "-h", "boxname", "busybox", "hostname").stdout)
	assert.Equal(t, "via entrypoint\n", b.ok(t, "run", "--entrypoint", "echo", "busybox", "via entrypoint").stdout)
	assert.Equal(t, "cleared\n", b.ok(t, "run", "--entrypoint", "", "busybox", "echo", "cleared").stdout)

	r = b.run(t, "run", "--read-only", "busybox", "touch", "/file")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "Read-only file system")
	b.ok(t, "run", "--read-only", "--tmpfs", "/scratch", "busybox", "touch", "/scratch/file")
	assert.Contains(t, b.ok(t, "run", "--tmpfs", "/scratch:size=1m", "busybox", "grep", " /scratch ", "/proc/mounts").stdout, "size=1024k")

	r = b.run(t, "run", "--cap-drop", "CHOWN", "busybox", "chown", "nobody", "/tmp")
	assert.Equal(t, 1, r.code, "without CAP_CHOWN root cannot give files away")
	b.ok(t, "run", "busybox", "chown", "nobody", "/tmp")

	b.ok(t, "run", "--rm", "-v", "named:/data", "busybox", "sh", "-c", "echo kept > /data/file")
	assert.Equal(t, "kept\n", b.ok(t, "run", "--rm", "-v", "named:/data", "busybox", "cat", "/data/file").stdout, "a named volume outlives its containers")

	hostDir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(hostDir, "host.txt"), []byte("from host\n"), 0o644))
	assert.Equal(t, "from host\n", b.ok(t, "run", "--rm", "-v", hostDir+":/host:ro", "busybox", "cat", "/host/host.txt").stdout)

	r = b.run(t, "run", "--name", "hog", "-m", "16m", "busybox", "sh", "-c", "x=0123456789abcdef; while true; do x=$x$x; done")
	assert.Equal(t, 137, r.code, "the memory limit holds: the kernel kills the shell")
	assert.Equal(t, "true 16777216\n", b.ok(t, "inspect", "--format", "{{.State.OOMKilled}} {{.HostConfig.Memory}}", "hog").stdout)
}

func TestRunRefusesBadFlagsAndNamesWith125(t *testing.T) {
	b := newContainerBerth(t)
	b.ok(t, "create", "--name", "taken", "busybox")
	r := b.fails(t, exitRunFailure, `the container name "/taken" is already in use by container`, "run", "--name", "taken", "busybox", "true")
	assert.Contains(t, r.stderr, "You have to remove (or rename) that container to be able to reuse that name")
	b.fails(t, exitRunFailure, `invalid argument "1x" for "-m, --memory" flag`, "run", "--memory", "1x", "busybox")
	b.fails(t, exitRunFailure, `invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number`, "run", "--cpus", "abc", "busybox")
	b.fails(t, exitRunFailure, "only \"none\" is supported", "run", "--network", "bridge", "busybox", "true")
	b.fails(t, exitRunFailure, "invalid container name", "create", "--name", "x!", "busybox")
	b.fails(t, exitRunFailure, "unknown log opt", "create", "--log-opt", "tag=x", "busybox")
	b.fails(t, exitError, "the input device is not a TTY", "run", "-it", "busybox", "true")
	assert.Equal(t, "taken\n", b.ok(t, "ps", "-a", "--format", "{{.Names}}").stdout, "failed runs leave no container")
}

func TestRunForwardsSignals(t *testing.T) {
	assertForwards(t, newContainerBerth(t), syscall.SIGUSR1, "USR1", 7)
}

func TestRunForwardsSIGTERMFromTheStart(t *testing.T) {
	// The other signals are never registered for here: only the early
	// ones can arrive.
	defer func(d time.Duration) { allSignalsAfter = d }(allSignalsAfter)
	allSignalsAfter = time.Hour
	assertForwards(t, newContainerBerth(t), syscall.SIGTERM, "TERM", 9)
}

// assertForwards runs a container that traps sig (called name in the
// shell) and exits with code, and sends sig to this process until the
// container has it.
func assertForwards(t *testing.T, b *berth, sig syscall.Signal, name string, code int) {
	t.Helper()
	// Keep sig from ending the test binary should it arrive before berth
	// listens for it.
	guard := make(chan os.Signal, 1)
	signal.Notify(guard, sig)
	defer signal.Stop(guard)

	bg := b.runInBackground(t, strings.NewReader(""), "run", "busybox", "sh", "-c",
		fmt.Sprintf(`trap 'echo got %s; exit %d' %s; echo ready; while :; do sleep 0.1; done`, name, code, name))
	waitUntil(t, func() bool { return strings.Contains(bg.stdout.String(), "ready") }, "the container starts")
	// Sent again until it arrives: berth registers for most signals once
	// the container has run a while, and one before that reaches only the
	// guard.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			_ = syscall.Kill(os.Getpid(), sig)
			select {
			case <-stop:
				return
			case <-time.After(300 * time.Millisecond):
			}
		}
	}()
	assert.Equal(t, code, bg.wait(t), bg.stderr.String())
	assert.Equal(t, "ready\ngot "+name+"\n", bg.stdout.String())
}

func TestCreateThenStart(t *testing.T) {
	b := newContainerBerth(t)
	id := strings.TrimSpace(b.ok(t, "create", "--name", "later", "busybox", "sh", "-c", "echo ran; exit 2").stdout)
	require.Len(t, id, 64)
	row := fields(b.ok(t, "ps", "-a").lines()[1])
	assert.Equal(t, "Created", row[4])

	r := b.run(t, "start", "-a", "later")
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Equal(t, "ran\n", r.stdout)

	assert.Equal(t, "later\n", b.ok(t, "start", "later").stdout, "start prints the name as given")
	assert.Equal(t, "2\n", b.ok(t, "wait", "later").stdout)
	assert.Equal(t, "ran\nran\n", b.ok(t, "logs", "later").stdout)

	r = b.run(t, "start", "later", "nosuch")
	assert.Equal(t, exitError, r.code)
	assert.Equal(t, "later\n", r.stdout, "the others are started")
	assert.Equal(t, "Error: no such container: nosuch: not found\nError: failed to start containers: nosuch\n", r.stderr)
	b.fails(t, exitError, "you cannot start and attach multiple containers at once", "start", "-a", "later", id)

	b.ok(t, "create", "--rm", "--name", "once", "busybox", "true")
	b.ok(t, "start", "-a", "once")
	assert.NotContains(t, b.ok(t, "ps", "-a", "--format", "{{.Names}}").stdout, "once", "--rm removes it when it exits")
}

func TestRunPullsAMissingImage(t *testing.T) {
	b := newContainerBerth(t)
	reg := testregistry.Start(t, testregistry.Options{})
	img := testimage.Busybox(t)
	ref := reg.Host + "/tools/busybox"
	publish(t, ref+":latest", img)

	r := b.ok(t, "run", "--rm", ref, "echo", "pulled")
	assert.Equal(t, "pulled\n", r.stdout)
	assert.Equal(t, []string{
		"Unable to find image '" + ref + ":latest' locally",
		"latest: Pulling from tools/busybox",
		shortID(layerDigests(t, img)[0].String()) + ": Already exists", // busybox:latest has the layer
		"Digest: " + digestOf(t, img).String(),
		"Status: Downloaded newer image for " + ref + ":latest",
	}, strings.Split(strings.TrimSpace(r.stderr), "\n"), "docker's pull messages, on stderr")
	r = b.ok(t, "run", "--rm", ref, "echo", "again")
	assert.Equal(t, "again\n", r.stdout)
	assert.Empty(t, r.stderr, "no pull the second time")

	r = b.run(t, "create", reg.Host+"/nope/missing")
	assert.Equal(t, exitRunFailure, r.code)
	assert.Contains(t, r.stderr, "Unable to find image '"+reg.Host+"/nope/missing:latest' locally")
	assert.Contains(t, r.stderr, "Error: ")
}
