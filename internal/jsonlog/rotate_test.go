package jsonlog

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRotation(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		lines     int
		lineBytes int  // text per line, "\n" excluded
		oneWrite  bool // all lines in one Write
		wantFiles []string
		wantOne   bool // each file holds exactly one entry
	}{
		{name: "no limit keeps one file", opts: Options{}, lines: 200, lineBytes: 20, wantFiles: []string{""}},
		{name: "three files", opts: Options{MaxSize: 1000, MaxFiles: 3}, lines: 200, lineBytes: 20, wantFiles: []string{"", ".1", ".2"}},
		{name: "three files, one write", opts: Options{MaxSize: 1000, MaxFiles: 3}, lines: 200, lineBytes: 20, oneWrite: true, wantFiles: []string{"", ".1", ".2"}},
		{name: "one file replaced", opts: Options{MaxSize: 1000, MaxFiles: 1}, lines: 200, lineBytes: 20, wantFiles: []string{""}},
		{name: "fewer rotations than files", opts: Options{MaxSize: 1000, MaxFiles: 10}, lines: 30, lineBytes: 20, wantFiles: []string{"", ".1", ".2"}},
		{name: "entries larger than max-size", opts: Options{MaxSize: 50, MaxFiles: 2}, lines: 10, lineBytes: 100, wantFiles: []string{"", ".1"}, wantOne: true},
		{name: "entries larger than max-size, one write", opts: Options{MaxSize: 50, MaxFiles: 2}, lines: 10, lineBytes: 100, oneWrite: true, wantFiles: []string{"", ".1"}, wantOne: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, path := newTestWriter(t, tt.opts)
			stdout := w.Stream("stdout")
			var all strings.Builder
			for i := range tt.lines {
				line := fmt.Sprintf("%0*d\n", tt.lineBytes, i)
				all.WriteString(line)
				if !tt.oneWrite {
					_, err := stdout.Write([]byte(line))
					require.NoError(t, err)
				}
			}
			if tt.oneWrite {
				_, err := stdout.Write([]byte(all.String()))
				require.NoError(t, err)
			}
			require.NoError(t, w.Close())

			// The files are docker's names, and no others.
			dirEntries, err := os.ReadDir(filepath.Dir(path))
			require.NoError(t, err)
			var got []string
			for _, e := range dirEntries {
				got = append(got, strings.TrimPrefix(e.Name(), filepath.Base(path)))
			}
			assert.ElementsMatch(t, tt.wantFiles, got)

			// Oldest first; each at most max-size; each rotated file
			// was full: its next entry would not have fitted.
			var kept []Entry
			for i := len(tt.wantFiles) - 1; i >= 0; i-- {
				name := path + tt.wantFiles[i]
				entries := fileEntries(t, name)
				info, err := os.Stat(name)
				require.NoError(t, err)
				if tt.wantOne {
					assert.Len(t, entries, 1, name)
				} else if tt.opts.MaxSize > 0 {
					assert.LessOrEqual(t, info.Size(), tt.opts.MaxSize, name)
					if i > 0 {
						next := fileEntries(t, path+tt.wantFiles[i-1])[0]
						nextSize := len(appendEntry(nil, next.Line[:len(next.Line)-1], true, next.Stream, appendTime(nil, next.Time)))
						assert.Greater(t, info.Size()+int64(nextSize), tt.opts.MaxSize, "%s was rotated before it was full", name)
					}
				}
				kept = append(kept, entries...)
			}

			// What is kept is the newest lines, in order.
			require.NotEmpty(t, kept)
			first := tt.lines - len(kept)
			for i, e := range kept {
				assert.Equal(t, fmt.Sprintf("%0*d\n", tt.lineBytes, first+i), string(e.Line))
			}
			assert.Equal(t, kept, readAll(t, path, ReadOptions{Tail: -1}), "Read reads the files oldest first")
		})
	}
}

func TestRotationRemovesOnlyItsFiles(t *testing.T) {
	w, path := newTestWriter(t, Options{MaxSize: 100, MaxFiles: 2})
	others := []string{path + ".gz", path + ".7", filepath.Join(filepath.Dir(path), "other-json.log.1")}
	for _, other := range others {
		require.NoError(t, os.WriteFile(other, []byte("not ours\n"), 0o640))
	}
	stdout := w.Stream("stdout")
	for range 20 {
		_, err := stdout.Write([]byte(strings.Repeat("x", 40) + "\n"))
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	for _, other := range others {
		assert.FileExists(t, other, "beyond max-file or not this log's: kept, as docker keeps it")
	}
	assert.FileExists(t, path+".1")
	assert.NoFileExists(t, path+".2")
	assert.NoFileExists(t, path+".new")
}

func TestRotatedFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "abc-json.log")
	for _, name := range []string{"abc-json.log", "abc-json.log.1", "abc-json.log.3", "abc-json.log.10",
		"abc-json.log.gz", "abc-json.log.1.gz", "abc-json.log.01", "abc-json.log.x", "abc-json.log.", "other.log.2"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), nil, 0o640))
	}
	numbers, err := rotatedFiles(path)
	require.NoError(t, err)
	assert.Equal(t, []int{1, 3, 10}, numbers)
}

func TestRotationKeepsPathPresent(t *testing.T) {
	for _, maxFiles := range []int{1, 3} {
		t.Run(fmt.Sprintf("max-file %d", maxFiles), func(t *testing.T) {
			w, path := newTestWriter(t, Options{MaxSize: 300, MaxFiles: maxFiles})
			stop := make(chan struct{})
			missing := make(chan int, 1)
			go func() {
				misses := 0
				defer func() { missing <- misses }()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := os.Stat(path); err != nil {
						misses++
					}
				}
			}()
			stdout := w.Stream("stdout")
			for i := range 2000 {
				_, err := stdout.Write([]byte(numbered(i)))
				require.NoError(t, err)
			}
			close(stop)
			assert.Zero(t, <-missing, "path was missing during a rotation")
		})
	}
}

func TestRotationFailure(t *testing.T) {
	w, path := newTestWriter(t, Options{MaxSize: 200, MaxFiles: 2})
	// A non-empty directory where the oldest file should be removed.
	require.NoError(t, os.MkdirAll(path+".1/blocker", 0o755))
	stdout := w.Stream("stdout")
	_, err := stdout.Write([]byte(numbered(0)))
	require.NoError(t, err, "the first entry fits")
	_, err = stdout.Write([]byte(numbered(1) + numbered(2)))
	require.Error(t, err, "the second needs a rotation")
	assert.ErrorContains(t, err, "rotate log")

	// Once the obstacle is gone, the writer goes on.
	require.NoError(t, os.RemoveAll(path+".1"))
	_, err = stdout.Write([]byte(numbered(3)))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	assert.Equal(t, []string{numbered(0), numbered(3)}, lines(readAll(t, path, ReadOptions{Tail: -1})),
		"the entries of the failed write are lost, the others kept")
}
