package jsonlog

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rotatedLog writes a log of nine entries, "line 0\n" … "line 8\n" one
// second apart from testEpoch, three to a file: path.2, path.1, path.
func rotatedLog(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log")
	for file, suffix := range []string{".2", ".1", ""} {
		var entries []Entry
		for i := file * 3; i < file*3+3; i++ {
			stream := "stdout"
			if i%2 == 1 {
				stream = "stderr"
			}
			entries = append(entries, Entry{Stream: stream, Line: fmt.Appendf(nil, "line %d\n", i), Time: at(i)})
		}
		writeRaw(t, path+suffix, entries...)
	}
	return path
}

// at is the time of entry i of rotatedLog.
func at(i int) time.Time { return testEpoch.Add(time.Duration(i) * time.Second) }

// lineRange is the text of entries first … last of rotatedLog.
func lineRange(first, last int) []string {
	var texts []string
	for i := first; i <= last; i++ {
		texts = append(texts, fmt.Sprintf("line %d\n", i))
	}
	return texts
}

func TestRead(t *testing.T) {
	tests := []struct {
		name string
		opts ReadOptions
		want []string
	}{
		{name: "all, oldest first", opts: ReadOptions{Tail: -1}, want: lineRange(0, 8)},
		{name: "any negative tail is all", opts: ReadOptions{Tail: -7}, want: lineRange(0, 8)},
		{name: "tail 0 is none", opts: ReadOptions{Tail: 0}, want: nil},
		{name: "tail within the current file", opts: ReadOptions{Tail: 2}, want: lineRange(7, 8)},
		{name: "tail of exactly the current file", opts: ReadOptions{Tail: 3}, want: lineRange(6, 8)},
		{name: "tail across files", opts: ReadOptions{Tail: 5}, want: lineRange(4, 8)},
		{name: "tail of everything", opts: ReadOptions{Tail: 9}, want: lineRange(0, 8)},
		{name: "tail beyond everything", opts: ReadOptions{Tail: 100}, want: lineRange(0, 8)},
		{name: "since is inclusive", opts: ReadOptions{Tail: -1, Since: at(4)}, want: lineRange(4, 8)},
		{name: "since between entries", opts: ReadOptions{Tail: -1, Since: at(4).Add(time.Millisecond)}, want: lineRange(5, 8)},
		{name: "until is inclusive", opts: ReadOptions{Tail: -1, Until: at(2)}, want: lineRange(0, 2)},
		{name: "until between entries", opts: ReadOptions{Tail: -1, Until: at(3).Add(-time.Millisecond)}, want: lineRange(0, 2)},
		{name: "since and until", opts: ReadOptions{Tail: -1, Since: at(2), Until: at(5)}, want: lineRange(2, 5)},
		{name: "since after until", opts: ReadOptions{Tail: -1, Since: at(5), Until: at(2)}, want: nil},
		{name: "tail then since, as docker", opts: ReadOptions{Tail: 4, Since: at(6)}, want: lineRange(6, 8)},
		{name: "tail then until, as docker", opts: ReadOptions{Tail: 4, Until: at(6)}, want: lineRange(5, 6)},
		{name: "since later than everything", opts: ReadOptions{Tail: -1, Since: at(9)}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := rotatedLog(t)
			entries := readAll(t, path, tt.opts)
			if tt.want == nil {
				assert.Empty(t, entries)
				return
			}
			assert.Equal(t, tt.want, lines(entries))
			for _, e := range entries {
				var i int
				_, err := fmt.Sscanf(string(e.Line), "line %d\n", &i)
				require.NoError(t, err)
				assert.Equal(t, at(i), e.Time)
				assert.Equal(t, map[bool]string{false: "stdout", true: "stderr"}[i%2 == 1], e.Stream)
			}
		})
	}
}

func TestReadSkipsDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	entry := func(i int) string {
		return string(appendEntry(nil, fmt.Appendf(nil, "line %d", i), true, "stdout", appendTime(nil, at(i))))
	}
	content := entry(0) +
		"not json at all\n" +
		`{"log":"cut off by a cr` + "\n" +
		"\n" +
		"null\n" +
		entry(1) +
		"{" + strings.Repeat("x", maxLineBytes+10) + "\n" + // over-long line
		entry(2) +
		`{"log":"still being wri` // last line without "\n"
	require.NoError(t, os.WriteFile(path, []byte(content), 0o640))

	assert.Equal(t, lineRange(0, 2), lines(readAll(t, path, ReadOptions{Tail: -1})))
	assert.Equal(t, lineRange(1, 2), lines(readAll(t, path, ReadOptions{Tail: 3})), "damaged lines count for tail, as in docker")
}

func TestReadLongEntries(t *testing.T) {
	// Entries longer than the read buffer: 16 KiB of bytes escaped six
	// times over.
	w, path := newTestWriter(t, Options{})
	text := strings.Repeat("\x01", 3*maxEntryLog)
	_, err := w.Stream("stdout").Write([]byte(text + "\n"))
	require.NoError(t, err)
	require.NoError(t, w.Close())

	entries := readAll(t, path, ReadOptions{Tail: -1})
	require.Len(t, entries, 4)
	assert.Equal(t, text+"\n", strings.Join(lines(entries), ""))
	assert.Equal(t, []string{"\n"}, lines(readAll(t, path, ReadOptions{Tail: 1})))
}

func TestReadErrors(t *testing.T) {
	t.Run("missing log", func(t *testing.T) {
		err := Read(context.Background(), filepath.Join(t.TempDir(), "none"), ReadOptions{Tail: -1}, nil, func(Entry) error { return nil })
		require.ErrorIs(t, err, ErrNotFound)
		require.ErrorIs(t, err, fs.ErrNotExist)
	})
	t.Run("callback error returned as it is", func(t *testing.T) {
		stop := errors.New("enough")
		var seen int
		err := Read(context.Background(), rotatedLog(t), ReadOptions{Tail: -1}, nil, func(Entry) error {
			seen++
			if seen == 4 {
				return stop
			}
			return nil
		})
		require.Equal(t, stop, err)
		assert.Equal(t, 4, seen)
	})
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := Read(ctx, rotatedLog(t), ReadOptions{Tail: -1}, nil, func(Entry) error { return nil })
		require.ErrorIs(t, err, context.Canceled)
	})
	t.Run("no callback", func(t *testing.T) {
		err := Read(context.Background(), rotatedLog(t), ReadOptions{Tail: -1}, nil, nil)
		require.ErrorIs(t, err, ErrInvalidOption)
	})
}

func TestLastLines(t *testing.T) {
	tests := []struct {
		name      string
		content   string
		n         int
		wantStart int64
		wantCount int
	}{
		{name: "empty", content: "", n: 3, wantStart: 0, wantCount: 0},
		{name: "empty, n 0", content: "", n: 0, wantStart: 0, wantCount: 0},
		{name: "only a partial line", content: "abc", n: 1, wantStart: 0, wantCount: 0},
		{name: "n 0 is the end of the last complete line", content: "a\nb\ncd", n: 0, wantStart: 4, wantCount: 0},
		{name: "last line", content: "a\nbb\nccc\n", n: 1, wantStart: 5, wantCount: 1},
		{name: "last two", content: "a\nbb\nccc\n", n: 2, wantStart: 2, wantCount: 2},
		{name: "all three", content: "a\nbb\nccc\n", n: 3, wantStart: 0, wantCount: 3},
		{name: "more than there are", content: "a\nbb\nccc\n", n: 10, wantStart: 0, wantCount: 3},
		{name: "partial last line not counted", content: "a\nbb\ncc", n: 1, wantStart: 2, wantCount: 1},
		{name: "empty lines count", content: "\n\n\n", n: 2, wantStart: 1, wantCount: 2},
		{
			name: "across read chunks", content: strings.Repeat("x", 70000) + "\n" + strings.Repeat("y", 70000) + "\n",
			n: 1, wantStart: 70001, wantCount: 1,
		},
		{
			name: "across read chunks, all", content: strings.Repeat("x", 70000) + "\n" + strings.Repeat("y", 70000) + "\n",
			n: 5, wantStart: 0, wantCount: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, count, err := lastLines(strings.NewReader(tt.content), int64(len(tt.content)), tt.n)
			require.NoError(t, err)
			assert.Equal(t, tt.wantStart, start)
			assert.Equal(t, tt.wantCount, count)
		})
	}
}
