package jsonlog

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// shortLines is the output of a chatty program: n lines of about 60
// bytes, as a log line of a web server might be.
func shortLines(n int) []byte {
	var out []byte
	for i := range n {
		out = fmt.Appendf(out, "2026-11-22 13:14:43 INFO GET /api/items/%d 200 1.2ms\n", i)
	}
	return out
}

// BenchmarkWriteShortLines writes a million short lines the way a
// container's output arrives: copied from a pipe, up to 32 KiB at a time
// (io.Copy's buffer). Throughput is of the output written, not of the
// (larger) log file.
func BenchmarkWriteShortLines(b *testing.B) {
	out := shortLines(1_000_000)
	const chunk = 32 << 10
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		w, err := NewWriter(filepath.Join(b.TempDir(), "log"), Options{MaxSize: 100 << 20, MaxFiles: 3})
		if err != nil {
			b.Fatal(err)
		}
		stdout := w.Stream("stdout")
		b.StartTimer()
		for rest := out; len(rest) > 0; {
			n := min(chunk, len(rest))
			if _, err := stdout.Write(rest[:n]); err != nil {
				b.Fatal(err)
			}
			rest = rest[n:]
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteLinePerCall writes one short line per Write, the worst
// case: a program that writes a line at a time, each read from the pipe
// separately. Each Write is a write(2).
func BenchmarkWriteLinePerCall(b *testing.B) {
	line := []byte("2026-11-22 13:14:43 INFO GET /api/items/12345 200 1.2ms\n")
	w, err := NewWriter(filepath.Join(b.TempDir(), "log"), Options{MaxSize: 100 << 20, MaxFiles: 2})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	stdout := w.Stream("stdout")
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := stdout.Write(line); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRead reads back a log of a hundred thousand short lines.
func BenchmarkRead(b *testing.B) {
	out := shortLines(100_000)
	path := filepath.Join(b.TempDir(), "log")
	w, err := NewWriter(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := w.Stream("stdout").Write(out); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := Read(context.Background(), path, ReadOptions{Tail: -1}, nil, func(Entry) error {
			n++
			return nil
		})
		if err != nil || n != 100_000 {
			b.Fatal(n, err)
		}
	}
}
