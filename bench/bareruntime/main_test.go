//go:build linux

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/privileged"
)

// The test binary is the command when BARERUNTIME_MAIN is set, so that
// each run is a process of its own, as in the benchmark.
func TestMain(m *testing.M) {
	if os.Getenv("BARERUNTIME_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}

// busyboxRoot is a directory with the host's static busybox and a few of
// its applets, the lower layer.
func busyboxRoot(t *testing.T) string {
	t.Helper()
	bb, err := os.ReadFile("/bin/busybox")
	require.NoError(t, err, "needs Debian's busybox-static")
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "bin"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "bin", "busybox"), bb, 0o755))
	for _, a := range []string{"true", "false", "sh", "ls", "hostname"} {
		require.NoError(t, os.Symlink("busybox", filepath.Join(root, "bin", a)))
	}
	return root
}

func bare(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "BARERUNTIME_MAIN=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(out), exit.ExitCode()
	}
	require.NoError(t, err)
	return string(out), 0
}

func TestRunsTheCommandInTheOverlayAndLeavesNothing(t *testing.T) {
	privileged.Require(t)
	lower, base := busyboxRoot(t), t.TempDir()
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	require.NoError(t, err)

	out, code := bare(t, lower, base, "/bin/true")
	require.Equal(t, 0, code, out)
	out, code = bare(t, lower, base, "/bin/false")
	require.Equal(t, 1, code, out)

	// PID 1 of its own pid namespace, in the image's files, and what it
	// writes goes to the upper layer, not to the image.
	out, code = bare(t, lower, base, "/bin/sh", "-c", `test $$ = 1 && ls /bin/busybox && echo x > /new && exit 7`)
	require.Equal(t, 7, code, out)
	require.Equal(t, "/bin/busybox\n", out)
	require.NoFileExists(t, filepath.Join(lower, "new"))

	entries, err := os.ReadDir(base)
	require.NoError(t, err)
	require.Empty(t, entries, "the container's directory is removed")
	after, err := os.ReadFile("/proc/self/mountinfo")
	require.NoError(t, err)
	require.Equal(t, string(mounts), string(after), "no mount is left on the host")
}

func TestBadCommandIs125(t *testing.T) {
	privileged.Require(t)
	lower, base := busyboxRoot(t), t.TempDir()
	out, code := bare(t, lower, base, "/bin/nonesuch")
	require.Equal(t, 125, code)
	require.True(t, strings.HasPrefix(out, "bareruntime: start /bin/nonesuch: "), out)
	entries, err := os.ReadDir(base)
	require.NoError(t, err)
	require.Empty(t, entries, "the container's directory is removed")
	out, code = bare(t, lower)
	require.Equal(t, 2, code)
	require.Contains(t, out, "usage")
}

// -start does nothing but start and exit, quietly.
func TestStartOnly(t *testing.T) {
	out, code := bare(t, "-start")
	require.Equal(t, 0, code)
	require.Empty(t, out)
}
