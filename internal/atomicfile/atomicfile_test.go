package atomicfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteCreatesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	path, tmp := filepath.Join(dir, "state.json"), filepath.Join(dir, "state.json.tmp")
	require.NoError(t, Write(path, tmp, []byte("one"), 0o600))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "one", string(b))

	before, err := os.Stat(path)
	require.NoError(t, err)
	require.NoError(t, Write(path, tmp, []byte("two, longer"), 0o600))
	b, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "two, longer", string(b))
	after, err := os.Stat(path)
	require.NoError(t, err)
	assert.False(t, os.SameFile(before, after), "replaced by a new file, not rewritten in place")
	assert.Equal(t, os.FileMode(0o600), after.Mode().Perm())
	assert.NoFileExists(t, tmp)
}

// A reader holding the old file keeps reading the old content whole.
func TestWriteLeavesOpenReadersTheOldContent(t *testing.T) {
	dir := t.TempDir()
	path, tmp := filepath.Join(dir, "f"), filepath.Join(dir, "f.tmp")
	require.NoError(t, Write(path, tmp, []byte("old"), 0o644))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, Write(path, tmp, []byte("new"), 0o644))
	b := make([]byte, 8)
	n, _ := f.Read(b)
	assert.Equal(t, "old", string(b[:n]))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "new", string(got))
}

func TestWriteFailureLeavesTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	require.NoError(t, Write(path, path+".tmp", []byte("kept"), 0o644))
	// tmp in a missing directory: nothing is replaced.
	err := Write(path, filepath.Join(dir, "missing", "f.tmp"), []byte("lost"), 0o644)
	require.ErrorIs(t, err, os.ErrNotExist)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "kept", string(b))
}
