package jsonlog

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// piece is an entry as the splitting tests expect it.
type piece struct {
	stream, log string
	write       int // index of the Write (or Close, counted on) that produced it
}

func TestStreamSplitsLines(t *testing.T) {
	long := strings.Repeat("x", 40000)
	k16 := strings.Repeat("y", maxEntryLog)
	tests := []struct {
		name   string
		writes []string // to stdout; Close is the write after the last
		want   []piece
	}{
		{name: "one line", writes: []string{"hello\n"}, want: []piece{{"stdout", "hello\n", 0}}},
		{name: "lines in one write", writes: []string{"a\nb\nc\n"}, want: []piece{{"stdout", "a\n", 0}, {"stdout", "b\n", 0}, {"stdout", "c\n", 0}}},
		{name: "line across writes stamped when complete", writes: []string{"hel", "lo", " world\nnext"}, want: []piece{{"stdout", "hello world\n", 2}, {"stdout", "next", 3}}},
		{name: "partial line flushed on close", writes: []string{"no newline"}, want: []piece{{"stdout", "no newline", 1}}},
		{name: "empty lines", writes: []string{"\n\n"}, want: []piece{{"stdout", "\n", 0}, {"stdout", "\n", 0}}},
		{name: "crlf kept as is", writes: []string{"dos\r\nline\r", "\n"}, want: []piece{{"stdout", "dos\r\n", 0}, {"stdout", "line\r\n", 1}}},
		{name: "empty write", writes: []string{"", "a\n"}, want: []piece{{"stdout", "a\n", 1}}},
		{name: "16 KiB minus one fits one entry", writes: []string{k16[1:] + "\n"}, want: []piece{{"stdout", k16[1:] + "\n", 0}}},
		{name: "16 KiB line: piece then newline, as docker", writes: []string{k16 + "\n"}, want: []piece{{"stdout", k16, 0}, {"stdout", "\n", 0}}},
		{
			name: "long line in 16 KiB pieces", writes: []string{long + "\n"},
			want: []piece{{"stdout", long[:16384], 0}, {"stdout", long[16384:32768], 0}, {"stdout", long[32768:] + "\n", 0}},
		},
		{
			name: "long line arriving in small writes", writes: []string{long[:10000], long[10000:20000], long[20000:] + "\n"},
			want: []piece{{"stdout", long[:16384], 1}, {"stdout", long[16384:32768], 2}, {"stdout", long[32768:] + "\n", 2}},
		},
		{
			name: "long line without newline at close", writes: []string{long},
			want: []piece{{"stdout", long[:16384], 0}, {"stdout", long[16384:32768], 0}, {"stdout", long[32768:], 1}},
		},
		{
			name: "character straddling the cut goes to the next piece", writes: []string{k16[:maxEntryLog-1] + "世界\n"},
			want: []piece{{"stdout", k16[:maxEntryLog-1], 0}, {"stdout", "世界\n", 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, path := newTestWriter(t, Options{})
			stdout := w.Stream("stdout")
			for _, p := range tt.writes {
				n, err := stdout.Write([]byte(p))
				require.NoError(t, err)
				require.Equal(t, len(p), n)
			}
			require.NoError(t, stdout.Close())
			got := fileEntries(t, path)
			require.Len(t, got, len(tt.want))
			for i, want := range tt.want {
				assert.Equal(t, want.stream, got[i].Stream, "entry %d", i)
				assert.Equal(t, want.log, string(got[i].Line), "entry %d", i)
				assert.Equal(t, testEpoch.Add(time.Duration(want.write)*time.Millisecond), got[i].Time, "entry %d", i)
				assert.LessOrEqual(t, len(got[i].Line), maxEntryLog, "entry %d", i)
			}
		})
	}
}

func TestWriterExactBytes(t *testing.T) {
	w, path := newTestWriter(t, Options{})
	stdout, stderr := w.Stream("stdout"), w.Stream("stderr")
	_, err := stdout.Write([]byte("hello <world>\n"))
	require.NoError(t, err)
	_, err = stderr.Write([]byte("oops\tno newline"))
	require.NoError(t, err)
	require.NoError(t, w.Close())

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t,
		`{"log":"hello \u003cworld\u003e\n","stream":"stdout","time":"2026-11-22T13:14:43Z"}`+"\n"+
			`{"log":"oops\u0009no newline","stream":"stderr","time":"2026-11-22T13:14:43.002Z"}`+"\n",
		string(data))
}

func TestWriterClose(t *testing.T) {
	w, path := newTestWriter(t, Options{})
	stdout := w.Stream("stdout")
	stderr := w.Stream("stderr")
	_, err := stdout.Write([]byte("out partial"))
	require.NoError(t, err)
	_, err = stderr.Write([]byte("err partial"))
	require.NoError(t, err)
	require.NoError(t, stderr.Close())
	require.NoError(t, stderr.Close(), "closing twice")

	require.NoError(t, w.Close())
	require.NoError(t, w.Close(), "closing twice")

	_, err = stdout.Write([]byte("late\n"))
	require.ErrorIs(t, err, ErrClosed)
	_, err = stderr.Write([]byte("late\n"))
	require.ErrorIs(t, err, ErrClosed)
	_, err = w.Stream("stdout").Write([]byte("late\n"))
	require.ErrorIs(t, err, ErrClosed)

	got := fileEntries(t, path)
	require.Len(t, got, 2)
	assert.Equal(t, Entry{Stream: "stderr", Line: []byte("err partial"), Time: got[0].Time}, got[0])
	assert.Equal(t, Entry{Stream: "stdout", Line: []byte("out partial"), Time: got[1].Time}, got[1])
}

func TestNewWriterAppends(t *testing.T) {
	tests := []struct {
		name     string
		existing string
		want     []string // text of the entries read back
	}{
		{name: "new file", existing: "", want: []string{"new\n"}},
		{
			name:     "complete entries kept",
			existing: `{"log":"old\n","stream":"stdout","time":"2026-01-01T00:00:00Z"}` + "\n",
			want:     []string{"old\n", "new\n"},
		},
		{
			name:     "cut-off entry stays on its own line",
			existing: `{"log":"old\n","stream":"stdout","time":"2026-01-01T00:00:00Z"}` + "\n" + `{"log":"cut of`,
			want:     []string{"old\n", "new\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := t.TempDir() + "/log"
			if tt.existing != "" {
				require.NoError(t, os.WriteFile(path, []byte(tt.existing), 0o640))
			}
			w, err := NewWriter(path, Options{})
			require.NoError(t, err)
			_, err = w.Stream("stdout").Write([]byte("new\n"))
			require.NoError(t, err)
			require.NoError(t, w.Close())
			assert.Equal(t, tt.want, lines(readAll(t, path, ReadOptions{Tail: -1})))
			info, err := os.Stat(path)
			require.NoError(t, err)
			assert.Zero(t, info.Mode().Perm()&^filePerm, "mode %v is at most %v", info.Mode().Perm(), os.FileMode(filePerm))
		})
	}
}

func TestNewWriterFailsOnMissingDirectory(t *testing.T) {
	_, err := NewWriter(t.TempDir()+"/missing/log", Options{})
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestConcurrentStreams(t *testing.T) {
	const perStream = 3000
	w, path := newTestWriter(t, Options{MaxSize: 64 << 10, MaxFiles: 100})
	var wg sync.WaitGroup
	for _, name := range []string{"stdout", "stderr"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := w.Stream(name)
			defer s.Close()
			for i := range perStream {
				// Lines cut across writes at odd places.
				line := fmt.Sprintf("%s line %d %s\n", name, i, strings.Repeat("z", i%50))
				half := len(line) / 2
				_, err := io.WriteString(s, line[:half])
				assert.NoError(t, err)
				_, err = io.WriteString(s, line[half:])
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	require.NoError(t, w.Close())

	entries := readAll(t, path, ReadOptions{Tail: -1})
	next := map[string]int{}
	for _, e := range entries {
		i := next[e.Stream]
		assert.Equal(t, fmt.Sprintf("%s line %d %s\n", e.Stream, i, strings.Repeat("z", i%50)), string(e.Line))
		next[e.Stream] = i + 1
	}
	assert.Equal(t, map[string]int{"stdout": perStream, "stderr": perStream}, next)
	for i := 1; i < len(entries); i++ {
		require.False(t, entries[i].Time.Before(entries[i-1].Time), "entries are in time order")
	}
}

// FuzzStream writes arbitrary output in arbitrary chunks and checks what
// a reader of the log sees: "\n" only at the end of an entry, one entry
// per line, and, for UTF-8 output, entries of at most 16 KiB that put
// together give back the output.
func FuzzStream(f *testing.F) {
	f.Add([]byte("hello\nworld\n"), uint16(3))
	f.Add([]byte("no newline"), uint16(1))
	f.Add([]byte("a\r\n\n\nb"), uint16(2))
	f.Add([]byte(strings.Repeat("世界", 9000)+"\n"), uint16(4097))
	f.Add([]byte("bad \xff\xfe utf-8\n"), uint16(5))
	f.Fuzz(func(t *testing.T, output []byte, chunk uint16) {
		size := int(chunk%8192) + 1
		w, path := newTestWriter(t, Options{MaxSize: 4096, MaxFiles: 1000})
		stdout := w.Stream("stdout")
		for rest := output; len(rest) > 0; {
			n := min(size, len(rest))
			written, err := stdout.Write(rest[:n])
			require.NoError(t, err)
			require.Equal(t, n, written)
			rest = rest[n:]
		}
		require.NoError(t, w.Close())

		var joined []byte
		for _, e := range readAll(t, path, ReadOptions{Tail: -1}) {
			require.NotEmpty(t, e.Line)
			if utf8.Valid(output) { // invalid bytes grow into U+FFFD
				require.LessOrEqual(t, len(e.Line), maxEntryLog)
			}
			if i := strings.IndexByte(string(e.Line), '\n'); i >= 0 {
				require.Equal(t, len(e.Line)-1, i, "newline only at the end")
			}
			joined = append(joined, e.Line...)
		}
		if utf8.Valid(output) {
			require.Equal(t, string(output), string(joined))
		} else {
			require.Equal(t, strings.Count(string(output), "\n"), strings.Count(string(joined), "\n"))
		}
	})
}
