package layer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/gzip"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/privileged"
)

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(data)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func diffIDOf(data []byte) v1.Hash {
	sum := sha256.Sum256(data)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}

func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestStoreUnpackGetCollect(t *testing.T) {
	privileged.Require(t)
	ctx := context.Background()
	root := t.TempDir()
	s, err := Open(ctx, root)
	require.NoError(t, err)

	plain := makeTar(t, file("etc/hello", "hello world"), symlink("link", "etc/hello"))
	id := diffIDOf(plain)
	info, err := s.Unpack(ctx, id, bytes.NewReader(gzipped(t, plain)))
	require.NoError(t, err)
	require.Equal(t, int64(len("hello world")), info.Size)
	b, err := os.ReadFile(filepath.Join(info.Dir, "etc/hello"))
	require.NoError(t, err)
	require.Equal(t, "hello world", string(b))

	got, err := s.Get(id)
	require.NoError(t, err)
	require.Equal(t, info, got)

	// Present already: not unpacked again, and the reader is still drained.
	r := bytes.NewReader(gzipped(t, plain))
	_, err = s.Unpack(ctx, id, r)
	require.NoError(t, err)
	require.Zero(t, r.Len())

	other := makeTar(t, file("other", "x"))
	otherID := diffIDOf(other)
	_, err = s.Unpack(ctx, otherID, bytes.NewReader(other)) // uncompressed works too
	require.NoError(t, err)
	ids, err := s.List()
	require.NoError(t, err)
	require.ElementsMatch(t, []v1.Hash{id, otherID}, ids)

	require.NoError(t, s.Collect(map[v1.Hash]bool{otherID: true}))
	_, err = s.Get(id)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = s.Get(otherID)
	require.NoError(t, err)
	require.Empty(t, dirEntries(t, filepath.Join(root, "layer", "tmp")))
}

func TestStoreUnpackFailuresLeaveNothing(t *testing.T) {
	privileged.Require(t)
	ctx := context.Background()
	root := t.TempDir()
	s, err := Open(ctx, root)
	require.NoError(t, err)

	plain := makeTar(t, file("a", "b"))
	wrong := diffIDOf([]byte("something else"))
	r := bytes.NewReader(gzipped(t, plain))
	_, err = s.Unpack(ctx, wrong, r)
	require.ErrorIs(t, err, ErrDiffIDMismatch)

	hostile := makeTar(t, file("../escape", "x"))
	_, err = s.Unpack(ctx, diffIDOf(hostile), bytes.NewReader(hostile))
	require.ErrorIs(t, err, ErrUnsafeEntry)

	truncated := gzipped(t, plain)
	_, err = s.Unpack(ctx, diffIDOf(plain), bytes.NewReader(truncated[:len(truncated)/2]))
	require.Error(t, err)

	_, err = s.Unpack(ctx, v1.Hash{Algorithm: "sha256", Hex: "nothex"}, bytes.NewReader(plain))
	require.ErrorIs(t, err, ErrInvalid)

	require.Empty(t, dirEntries(t, filepath.Join(root, "layer", "sha256")))
	require.Empty(t, dirEntries(t, filepath.Join(root, "layer", "tmp")))
}

func TestOpenRemovesAbandonedUnpacks(t *testing.T) {
	privileged.Require(t)
	ctx := context.Background()
	root := t.TempDir()
	s, err := Open(ctx, root)
	require.NoError(t, err)
	// A live unpack holds its temp directory locked; a dead one does not.
	live, lock, err := s.tempDir()
	require.NoError(t, err)
	defer lock.Close()
	dead := filepath.Join(root, "layer", "tmp", "dead")
	require.NoError(t, os.MkdirAll(filepath.Join(dead, "diff", "half"), 0o755))

	_, err = Open(ctx, root)
	require.NoError(t, err)
	require.Equal(t, []string{filepath.Base(live)}, dirEntries(t, filepath.Join(root, "layer", "tmp")))
}
