package jsonlog

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// follower runs Read with Follow in a goroutine and collects what it
// passes on.
type follower struct {
	mu      sync.Mutex
	entries []Entry
	changed chan struct{} // receives after each entry (never blocks)
	done    chan struct{} // closed by the test: the writer has finished
	result  chan error
}

func startFollower(ctx context.Context, t *testing.T, path string, opts ReadOptions) *follower {
	t.Helper()
	opts.Follow = true
	f := &follower{changed: make(chan struct{}, 1), done: make(chan struct{}), result: make(chan error, 1)}
	go func() {
		f.result <- Read(ctx, path, opts, f.done, func(e Entry) error {
			f.mu.Lock()
			f.entries = append(f.entries, e)
			f.mu.Unlock()
			select {
			case f.changed <- struct{}{}:
			default:
			}
			return nil
		})
	}()
	return f
}

// count is how many entries have been passed on so far.
func (f *follower) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.entries)
}

// waitFor waits until n entries have been passed on.
func (f *follower) waitFor(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for f.count() < n {
		select {
		case <-f.changed:
		case err := <-f.result:
			t.Fatalf("Read returned %v after %d of %d entries", err, f.count(), n)
		case <-deadline:
			t.Fatalf("timed out with %d of %d entries", f.count(), n)
		}
	}
}

// finish closes done and returns what Read returned and passed on.
func (f *follower) finish(t *testing.T) ([]Entry, error) {
	t.Helper()
	close(f.done)
	select {
	case err := <-f.result:
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.entries, err
	case <-time.After(10 * time.Second):
		t.Fatal("Read did not return after done was closed")
		return nil, nil
	}
}

func numbered(i int) string {
	return fmt.Sprintf("line %06d %s\n", i, "some text to fill the entry up")
}

func TestFollowAcrossRotation(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		// burst is how many lines the writer writes before waiting for the
		// follower to catch up; at most max-file − 1 rotations' worth, the
		// most a follower can fall behind without losing a file.
		burst int
	}{
		{name: "several files", opts: Options{MaxSize: 1000, MaxFiles: 4}, burst: 16},
		{name: "one file replaced", opts: Options{MaxSize: 1000, MaxFiles: 1}, burst: 3},
		{name: "no rotation", opts: Options{}, burst: 100},
		{name: "writer far ahead, files enough", opts: Options{MaxSize: 1000, MaxFiles: 1000}, burst: 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const total = 400
			w, path := newTestWriter(t, tt.opts)
			stdout := w.Stream("stdout")
			_, err := stdout.Write([]byte(numbered(0)))
			require.NoError(t, err)

			f := startFollower(context.Background(), t, path, ReadOptions{Tail: -1})
			for i := 1; i < total; i++ {
				_, err := stdout.Write([]byte(numbered(i)))
				require.NoError(t, err)
				if i%tt.burst == 0 {
					f.waitFor(t, i+1)
				}
			}
			require.NoError(t, w.Close())
			entries, err := f.finish(t)
			require.NoError(t, err)
			require.Len(t, entries, total)
			for i, e := range entries {
				require.Equal(t, numbered(i), string(e.Line))
			}
		})
	}
}

func TestFollowFallingBehind(t *testing.T) {
	// The writer rotates far faster than the follower looks; files are
	// removed before it reads them. It loses entries, but never repeats
	// or reorders them, and ends with the last.
	const total = 2000
	w, path := newTestWriter(t, Options{MaxSize: 1000, MaxFiles: 3})
	f := startFollower(context.Background(), t, path, ReadOptions{Tail: -1})
	stdout := w.Stream("stdout")
	for i := range total {
		_, err := stdout.Write([]byte(numbered(i)))
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	entries, err := f.finish(t)
	require.NoError(t, err)
	require.NotEmpty(t, entries)
	previous := -1
	for _, e := range entries {
		var i int
		_, err := fmt.Sscanf(string(e.Line), "line %d", &i)
		require.NoError(t, err)
		require.Greater(t, i, previous, "entries in order, none twice")
		previous = i
	}
	assert.Equal(t, total-1, previous)
}

func TestReadWhileRotating(t *testing.T) {
	// Reads racing a writer that rotates all the time see a gapless,
	// ordered prefix of what was written: no file missed or read twice.
	w, path := newTestWriter(t, Options{MaxSize: 600, MaxFiles: 100000})
	stdout := w.Stream("stdout")
	_, err := stdout.Write([]byte(numbered(0)))
	require.NoError(t, err)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			_, err := stdout.Write([]byte(numbered(i)))
			assert.NoError(t, err)
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	for range 50 {
		entries := readAll(t, path, ReadOptions{Tail: -1})
		require.NotEmpty(t, entries)
		for i, e := range entries {
			require.Equal(t, numbered(i), string(e.Line))
		}
	}
}

func TestFollowTailZeroSeesOnlyNewEntries(t *testing.T) {
	w, path := newTestWriter(t, Options{})
	stdout := w.Stream("stdout")
	_, err := stdout.Write([]byte("old 1\nold 2\n"))
	require.NoError(t, err)

	f := startFollower(context.Background(), t, path, ReadOptions{Tail: 0})
	// Write new lines until the follower, which starts at some point,
	// sees one.
	for i := 0; f.count() == 0; i++ {
		require.Less(t, i, 500, "the follower never saw a new line")
		_, err = fmt.Fprintf(stdout, "new %d\n", i)
		require.NoError(t, err)
		time.Sleep(10 * time.Millisecond)
	}
	require.NoError(t, w.Close())
	entries, err := f.finish(t)
	require.NoError(t, err)
	require.NotEmpty(t, entries)
	var first int
	_, err = fmt.Sscanf(string(entries[0].Line), "new %d\n", &first)
	require.NoError(t, err, "the first entry followed is a new one")
	for i, e := range entries {
		assert.Equal(t, fmt.Sprintf("new %d\n", first+i), string(e.Line))
	}
}

func TestFollowWaitsForTheRestOfALine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	line := appendEntry(nil, []byte("slow"), true, "stdout", appendTime(nil, testEpoch))
	require.NoError(t, os.WriteFile(path, line[:10], 0o640))

	f := startFollower(context.Background(), t, path, ReadOptions{Tail: -1})
	time.Sleep(3 * maxPoll)
	assert.Zero(t, f.count(), "half an entry is not passed on")

	file, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = file.Write(line[10:])
	require.NoError(t, err)
	require.NoError(t, file.Close())

	f.waitFor(t, 1)
	entries, err := f.finish(t)
	require.NoError(t, err)
	assert.Equal(t, []string{"slow\n"}, lines(entries))
}

func TestFollowStops(t *testing.T) {
	t.Run("context cancelled", func(t *testing.T) {
		_, path := newTestWriter(t, Options{})
		ctx, cancel := context.WithCancel(context.Background())
		f := startFollower(ctx, t, path, ReadOptions{Tail: -1})
		time.Sleep(2 * maxPoll)
		cancel()
		select {
		case err := <-f.result:
			require.ErrorIs(t, err, context.Canceled)
		case <-time.After(10 * time.Second):
			t.Fatal("Read did not return after ctx was cancelled")
		}
	})
	t.Run("until already past", func(t *testing.T) {
		path := rotatedLog(t)
		var got []Entry
		err := Read(context.Background(), path, ReadOptions{Tail: -1, Until: at(4), Follow: true}, nil, func(e Entry) error {
			got = append(got, e)
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, lineRange(0, 4), lines(got))
	})
	t.Run("until passes while following", func(t *testing.T) {
		_, path := newTestWriter(t, Options{})
		start := time.Now()
		err := Read(context.Background(), path, ReadOptions{Tail: -1, Until: start.Add(200 * time.Millisecond), Follow: true}, nil,
			func(Entry) error { return nil })
		require.NoError(t, err)
		assert.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond)
	})
	t.Run("done closed drains what is left", func(t *testing.T) {
		w, path := newTestWriter(t, Options{MaxSize: 500, MaxFiles: 50})
		f := startFollower(context.Background(), t, path, ReadOptions{Tail: -1})
		stdout := w.Stream("stdout")
		for i := range 100 {
			_, err := stdout.Write([]byte(numbered(i)))
			require.NoError(t, err)
		}
		require.NoError(t, w.Close())
		// Closed at once: the follower may not have seen anything yet.
		entries, err := f.finish(t)
		require.NoError(t, err)
		require.Len(t, entries, 100)
		for i, e := range entries {
			require.Equal(t, numbered(i), string(e.Line))
		}
	})
}

// TestFollowAcrossProcesses follows a log that another process writes
// and rotates: the test binary run again as a writer.
func TestFollowAcrossProcesses(t *testing.T) {
	const total = 300
	if path := os.Getenv("JSONLOG_TEST_WRITER"); path != "" {
		writeNumberedLog(t, path, total)
		return
	}
	path := filepath.Join(t.TempDir(), "log")
	require.NoError(t, os.WriteFile(path, nil, 0o640)) // the follower starts first

	f := startFollower(context.Background(), t, path, ReadOptions{Tail: -1})
	cmd := exec.Command(os.Args[0], "-test.run=^TestFollowAcrossProcesses$", "-test.count=1")
	cmd.Env = append(os.Environ(), "JSONLOG_TEST_WRITER="+path)
	// The follower paces the writer through its stdin, one byte per
	// burst, so that it never falls more than max-file − 1 rotations
	// behind.
	pace, err := cmd.StdinPipe()
	require.NoError(t, err)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	for seen := writerBurst; seen <= total; seen += writerBurst {
		f.waitFor(t, seen)
		_, err := pace.Write([]byte{'.'})
		require.NoError(t, err)
	}
	require.NoError(t, pace.Close())
	require.NoError(t, cmd.Wait(), "writer process: %s", out.String())

	entries, err := f.finish(t)
	require.NoError(t, err)
	require.Len(t, entries, total)
	for i, e := range entries {
		require.Equal(t, numbered(i), string(e.Line))
	}
	rotated, err := rotatedFiles(path)
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2, 3}, rotated, "the writer rotated")
}

// writerBurst is how many lines the writer process writes before it waits
// for the follower: under two rotations' worth.
const writerBurst = 15

// writeNumberedLog is the writer process of TestFollowAcrossProcesses.
func writeNumberedLog(t *testing.T, path string, total int) {
	w, err := NewWriter(path, Options{MaxSize: 1000, MaxFiles: 4})
	require.NoError(t, err)
	stdout := w.Stream("stdout")
	wait := make([]byte, 1)
	for i := range total {
		_, err := stdout.Write([]byte(numbered(i)))
		require.NoError(t, err)
		if (i+1)%writerBurst == 0 {
			_, err := os.Stdin.Read(wait)
			require.NoError(t, err)
		}
	}
	require.NoError(t, w.Close())
}

// lockedBuffer collects a child's output.
type lockedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strconv.Quote(string(b.buf))
}
