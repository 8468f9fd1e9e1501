package layer

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/privileged"
)

// snapshotters returns one of each implementation, rooted in a temp dir.
func snapshotters(t *testing.T) map[string]Snapshotter {
	t.Helper()
	o, err := NewOverlaySnapshotter(filepath.Join(t.TempDir(), "overlay"))
	require.NoError(t, err)
	c, err := NewCopySnapshotter(filepath.Join(t.TempDir(), "copy"))
	require.NoError(t, err)
	return map[string]Snapshotter{"overlay": o, "copy": c}
}

// TestSnapshottersAgree mounts the same layers with each snapshotter and
// checks that both show the same filesystem: whiteouts and opaque
// directories applied, hardlinks kept, writes possible in an active
// snapshot and refused in a view.
func TestSnapshottersAgree(t *testing.T) {
	privileged.Require(t)
	base := t.TempDir()
	bottom := unpackInto(t, base, "bottom",
		file("keep", "k"), file("gone", "g"), dir("opq/"), file("opq/hidden", "h"), symlink("link", "/etc"),
		file("hl-a", "same"), hardlink("hl-b", "hl-a"))
	top := unpackInto(t, base, "top",
		file(".wh.gone", ""), dir("opq/"), file("opq/.wh..wh..opq", ""), file("opq/new", "n"), dir("link/"), file("link/inside", "i"))
	parents := []string{bottom, top}

	views := map[string][]string{}
	for name, s := range snapshotters(t) {
		for _, active := range []bool{true, false} {
			ctx := context.Background()
			key := "k-" + name
			var mounts []Mount
			var err error
			if active {
				key += "-rw"
				mounts, err = s.Prepare(ctx, key, parents)
			} else {
				mounts, err = s.View(ctx, key, parents)
			}
			require.NoError(t, err)
			target := filepath.Join(base, key)
			require.NoError(t, os.Mkdir(target, 0o755))
			require.Len(t, mounts, 1)
			require.NoError(t, mounts[0].Apply(target))

			views[key] = snapshot(t, target, "")
			for i, line := range views[key] {
				views[key][i] = relativeNoTimes(t, target, line)
			}
			_, err = os.Stat(filepath.Join(target, "gone"))
			require.True(t, os.IsNotExist(err), "%s: whiteout", key)
			_, err = os.Stat(filepath.Join(target, "opq/hidden"))
			require.True(t, os.IsNotExist(err), "%s: opaque", key)
			b, err := os.ReadFile(filepath.Join(target, "link/inside"))
			require.NoError(t, err, "%s: a directory replaces a lower symlink", key)
			require.Equal(t, "i", string(b))
			var a, bst unix.Stat_t
			require.NoError(t, unix.Stat(filepath.Join(target, "hl-a"), &a))
			require.NoError(t, unix.Stat(filepath.Join(target, "hl-b"), &bst))
			require.Equal(t, a.Ino, bst.Ino, "%s: hardlink kept", key)

			werr := os.WriteFile(filepath.Join(target, "written"), []byte("w"), 0o644)
			if active {
				require.NoError(t, werr, key)
			} else {
				require.Error(t, werr, key)
			}
			require.NoError(t, Unmount(target))
			require.NoError(t, s.Remove(ctx, key))
		}
	}
	require.Equal(t, views["k-overlay"], views["k-copy"], "both snapshotters show the same view")
	require.Equal(t, views["k-overlay-rw"], views["k-copy-rw"])
}

// relativeNoTimes rewrites a snapshot line relative to target, without
// its mtime: mount points differ and overlayfs reports directory times of
// its own.
func relativeNoTimes(t *testing.T, target, line string) string {
	fields := strings.Fields(line)
	rel, err := filepath.Rel(target, fields[0])
	require.NoError(t, err)
	out := []string{rel}
	for _, f := range fields[1:] {
		if !strings.HasPrefix(f, "mtime=") {
			out = append(out, f)
		}
	}
	return strings.Join(out, " ")
}

// TestPrepareStagedIn makes an overlay snapshot in another directory of
// the filesystem: it ends up at its key, with nothing left where it was
// made, and a key taken already is refused without touching the snapshot
// that has it.
func TestPrepareStagedIn(t *testing.T) {
	root := t.TempDir()
	s, err := NewOverlaySnapshotter(filepath.Join(root, "snapshots"))
	require.NoError(t, err)
	stage := filepath.Join(root, "stage")
	require.NoError(t, os.Mkdir(stage, 0o700))
	ctx := context.Background()

	mounts, err := s.Prepare(ctx, "c1", []string{t.TempDir()}, StageIn(stage))
	require.NoError(t, err)
	require.Len(t, mounts, 1)
	assert.Contains(t, mounts[0].Options, "upperdir="+filepath.Join(root, "snapshots", "c1", "upper"))
	for _, d := range []string{"upper", "work"} {
		assert.DirExists(t, filepath.Join(root, "snapshots", "c1", d))
	}
	left, err := os.ReadDir(stage)
	require.NoError(t, err)
	assert.Empty(t, left)

	require.NoError(t, os.WriteFile(filepath.Join(root, "snapshots", "c1", "upper", "mine"), nil, 0o644))
	_, err = s.Prepare(ctx, "c1", []string{t.TempDir()}, StageIn(stage))
	require.ErrorIs(t, err, fs.ErrExist)
	assert.FileExists(t, filepath.Join(root, "snapshots", "c1", "upper", "mine"))
	left, err = os.ReadDir(stage)
	require.NoError(t, err)
	assert.Empty(t, left)
}
