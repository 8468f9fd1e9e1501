package jsonlog

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testEpoch is the first time a fake clock gives.
var testEpoch = time.Date(2026, 11, 22, 13, 14, 43, 0, time.UTC)

// fakeClock returns a clock for Writer.now that advances one millisecond
// per reading, so each Write's stamp is distinct and predictable.
func fakeClock() func() time.Time {
	var mu sync.Mutex
	next := testEpoch
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now := next
		next = next.Add(time.Millisecond)
		return now
	}
}

// newTestWriter opens a Writer on a log in a fresh directory, with a fake
// clock, and closes it at the end of the test.
func newTestWriter(t *testing.T, opts Options) (*Writer, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c0ffee-json.log")
	w, err := NewWriter(path, opts)
	require.NoError(t, err)
	w.now = fakeClock()
	t.Cleanup(func() { w.Close() })
	return w, path
}

// fileEntries decodes every line of one file, requiring each to be an
// entry.
func fileEntries(t *testing.T, name string) []Entry {
	t.Helper()
	f, err := os.Open(name)
	require.NoError(t, err)
	defer f.Close()
	var entries []Entry
	scanner := bufio.NewScanner(f)
	scanner.Buffer(nil, maxLineBytes)
	for scanner.Scan() {
		entry, err := decodeEntry(scanner.Bytes())
		require.NoError(t, err, "line %q of %s", scanner.Text(), name)
		entries = append(entries, entry)
	}
	require.NoError(t, scanner.Err())
	return entries
}

// readAll reads a whole log (no follow) and returns its entries.
func readAll(t *testing.T, path string, opts ReadOptions) []Entry {
	t.Helper()
	var entries []Entry
	err := Read(context.Background(), path, opts, nil, func(e Entry) error {
		entries = append(entries, e)
		return nil
	})
	require.NoError(t, err)
	return entries
}

// lines returns the text of entries.
func lines(entries []Entry) []string {
	texts := make([]string, len(entries))
	for i, e := range entries {
		texts[i] = string(e.Line)
	}
	return texts
}

// writeRaw writes entries (text with its "\n", stream, time) straight to
// a file, as a writer would have.
func writeRaw(t *testing.T, name string, entries ...Entry) {
	t.Helper()
	var buf []byte
	for _, e := range entries {
		text := e.Line
		newline := len(text) > 0 && text[len(text)-1] == '\n'
		if newline {
			text = text[:len(text)-1]
		}
		buf = appendEntry(buf, text, newline, e.Stream, appendTime(nil, e.Time))
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	require.NoError(t, err)
	_, err = f.Write(buf)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}
