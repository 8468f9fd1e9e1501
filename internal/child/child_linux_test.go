package child

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLookPathGivesDockersExitCodes(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tool"), []byte("#!/bin/sh\n"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data"), []byte("x"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	env := []string{"PATH=/nonexistent:" + dir}

	for _, tc := range []struct {
		name, cmd string
		path      string
		code      int
		err       error
	}{
		{name: "found in PATH", cmd: "tool", path: filepath.Join(dir, "tool")},
		{name: "absolute path", cmd: filepath.Join(dir, "tool"), path: filepath.Join(dir, "tool")},
		{name: "not in PATH", cmd: "nosuch", code: 127},
		{name: "absolute, missing", cmd: filepath.Join(dir, "nosuch"), code: 127, err: errNotFound},
		{name: "not executable in PATH", cmd: "data", code: 126, err: errCannotExecute},
		{name: "absolute, not executable", cmd: filepath.Join(dir, "data"), code: 126, err: errCannotExecute},
		{name: "directory", cmd: filepath.Join(dir, "sub"), code: 126, err: errCannotExecute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, code, err := lookPath(tc.cmd, env)
			assert.Equal(t, tc.code, code)
			if tc.code == 0 {
				require.NoError(t, err)
				assert.Equal(t, tc.path, path)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.cmd)
			if tc.err != nil {
				assert.True(t, errors.Is(err, tc.err), err)
			}
		})
	}
}

// The child runs once its imports are initialised (see doc.go): keep the
// heavy parts of berth and of its dependencies out of them.
func TestChildImportsStaySmall(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	require.NoError(t, err)
	for _, dep := range strings.Fields(string(out)) {
		for _, heavy := range []string{
			"github.com/berth-dev/berth/layer", "github.com/berth-dev/berth/image",
			"github.com/berth-dev/berth/container", "github.com/berth-dev/berth/registryclient",
			"github.com/berth-dev/berth/internal/cgroup", "github.com/google/go-containerregistry",
			"github.com/containerd/", "google.golang.org/protobuf", "net/http", "crypto/tls",
		} {
			assert.False(t, strings.HasPrefix(dep, heavy), "the child imports %s", dep)
		}
	}
}

func TestForkableRefusesMountsOnProc(t *testing.T) {
	proc := Mount{Source: "proc", Target: "/proc", FSType: "proc"}
	assert.True(t, Forkable(&Init{Mounts: []Mount{proc, {Source: "tmpfs", Target: "/process", FSType: "tmpfs"}}}))
	assert.False(t, Forkable(&Init{Mounts: []Mount{proc, {Source: "tmpfs", Target: "/proc/driver", FSType: "tmpfs"}}}))
	assert.False(t, Forkable(&Init{Mounts: []Mount{proc, {Source: "/srv", Target: "/proc", Flags: 4096}}}))
}
