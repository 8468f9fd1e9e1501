package layer

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/privileged"
)

func tarNames(t *testing.T, data []byte) map[string]*tar.Header {
	t.Helper()
	out := map[string]*tar.Header{}
	var order []string
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		out[h.Name] = h
		order = append(order, h.Name)
	}
	for i := 1; i < len(order); i++ {
		require.Less(t, order[i-1], order[i], "entries sorted")
	}
	return out
}

// TestDiffRoundTrip changes a container-like overlay, turns its upper
// directory into a layer, and checks that the layer stacked on the lower
// one shows exactly the changed filesystem.
func TestDiffRoundTrip(t *testing.T) {
	privileged.Require(t)
	base := t.TempDir()
	lower := unpackInto(t, base, "lower",
		file("keep", "k"), file("delete-me", "d"), dir("replace/"), file("replace/old", "o"), dir("edit/"), file("edit/file", "v1"))
	upper, work, root := filepath.Join(base, "upper"), filepath.Join(base, "work"), filepath.Join(base, "root")
	for _, d := range []string{upper, work, root} {
		require.NoError(t, os.Mkdir(d, 0o755))
	}
	require.NoError(t, Overlay([]string{lower}, upper, work).Apply(root))
	mounted := true
	t.Cleanup(func() {
		if mounted {
			_ = Unmount(root)
		}
	})
	require.NoError(t, os.Remove(filepath.Join(root, "delete-me")))
	require.NoError(t, os.RemoveAll(filepath.Join(root, "replace")))
	require.NoError(t, os.Mkdir(filepath.Join(root, "replace"), 0o750))
	require.NoError(t, os.WriteFile(filepath.Join(root, "replace/new"), []byte("n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(root, "edit/file"), []byte("v2"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "added"), []byte("a"), 0o640))
	require.NoError(t, os.Link(filepath.Join(root, "added"), filepath.Join(root, "added-link")))
	require.NoError(t, os.Symlink("added", filepath.Join(root, "sym")))
	require.NoError(t, Unmount(root))
	mounted = false

	var first, second bytes.Buffer
	require.NoError(t, Diff(context.Background(), upper, &first))
	require.NoError(t, Diff(context.Background(), upper, &second))
	require.Equal(t, first.Bytes(), second.Bytes(), "diff is reproducible")

	entries := tarNames(t, first.Bytes())
	require.Contains(t, entries, ".wh.delete-me")
	require.Contains(t, entries, "replace/")
	require.Contains(t, entries, "replace/.wh..wh..opq", "replaced directory is opaque")
	require.Contains(t, entries, "replace/new")
	require.Contains(t, entries, "edit/file")
	require.NotContains(t, entries, "keep", "unchanged files are not in the diff")
	require.Equal(t, byte(tar.TypeLink), entries["added-link"].Typeflag)
	require.Equal(t, "added", entries["added-link"].Linkname)
	require.Equal(t, byte(tar.TypeSymlink), entries["sym"].Typeflag)
	for name, h := range entries {
		require.Equal(t, int64(0), h.ModTime.Unix(), "normalised time of %s", name)
	}

	// The diff stacked on the lower layer is the changed filesystem.
	diffDir := filepath.Join(base, "diff")
	require.NoError(t, os.Mkdir(diffDir, 0o755))
	_, err := Unpack(context.Background(), diffDir, bytes.NewReader(first.Bytes()))
	require.NoError(t, err)
	view := filepath.Join(base, "view")
	require.NoError(t, os.Mkdir(view, 0o755))
	require.NoError(t, Overlay([]string{diffDir, lower}, "", "").Apply(view))
	t.Cleanup(func() { require.NoError(t, Unmount(view)) })
	read := func(rel string) string {
		b, err := os.ReadFile(filepath.Join(view, rel))
		require.NoError(t, err, rel)
		return string(b)
	}
	require.Equal(t, "k", read("keep"))
	require.Equal(t, "v2", read("edit/file"))
	require.Equal(t, "n", read("replace/new"))
	require.Equal(t, "a", read("added-link"))
	for _, gone := range []string{"delete-me", "replace/old"} {
		_, err := os.Lstat(filepath.Join(view, gone))
		require.True(t, os.IsNotExist(err), "%s must be gone", gone)
	}
	st, err := os.Stat(filepath.Join(view, "replace"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o750), st.Mode().Perm())
}
