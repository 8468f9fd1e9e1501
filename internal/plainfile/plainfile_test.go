package plainfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteThenRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	require.NoError(t, WriteFile(path, []byte("one two"), 0o640))
	b, err := ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "one two", string(b))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640)&^umask(t), fi.Mode().Perm())

	require.NoError(t, WriteFile(path, []byte("x"), 0o600), "truncates")
	b, err = ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "x", string(b))
}

func TestReadFileLargerThanFirstBuffer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big")
	want := bytes.Repeat([]byte("0123456789"), 100_000)
	require.NoError(t, os.WriteFile(path, want, 0o600))
	got, err := ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestReadFileOfUnknownSize(t *testing.T) {
	// /proc files report size 0.
	want, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Skip("no /proc here:", err)
	}
	got, err := ReadFile("/proc/self/mountinfo")
	require.NoError(t, err)
	assert.NotEmpty(t, got)
	assert.Equal(t, len(bytes.Split(want, []byte("\n"))), len(bytes.Split(got, []byte("\n"))))
}

func TestErrorsAreOsErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := ReadFile(filepath.Join(dir, "missing"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
	var pe *os.PathError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, filepath.Join(dir, "missing"), pe.Path)

	err = WriteFile(filepath.Join(dir, "nodir", "f"), nil, 0o600)
	assert.ErrorIs(t, err, fs.ErrNotExist)

	_, err = Open(filepath.Join(dir, "missing"), os.O_RDONLY, 0)
	assert.True(t, errors.Is(err, fs.ErrNotExist))

	require.NoError(t, WriteFile(filepath.Join(dir, "f"), nil, 0o600))
	_, err = Open(filepath.Join(dir, "f"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	assert.ErrorIs(t, err, fs.ErrExist)
}

func TestOpenGivesAWorkingFile(t *testing.T) {
	dir := t.TempDir()
	f, err := Open(filepath.Join(dir, "f"), os.O_CREATE|os.O_RDWR, 0o600)
	require.NoError(t, err)
	_, err = f.WriteString("abc")
	require.NoError(t, err)
	require.NoError(t, f.Sync())
	require.NoError(t, f.Close())

	d, err := Open(dir, os.O_RDONLY, 0)
	require.NoError(t, err)
	defer d.Close()
	names, err := d.Readdirnames(-1)
	require.NoError(t, err)
	assert.Equal(t, []string{"f"}, names)
}

func umask(t *testing.T) os.FileMode {
	t.Helper()
	path := filepath.Join(t.TempDir(), "probe")
	require.NoError(t, os.WriteFile(path, nil, 0o777))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return 0o777 &^ fi.Mode().Perm()
}
