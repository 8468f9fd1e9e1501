package jsonlog_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/berth-dev/berth/internal/jsonlog"
)

// A container's output is copied into the streams of a Writer; Read
// gives it back, here the last two entries.
func Example() {
	dir, err := os.MkdirTemp("", "jsonlog-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "c0ffee-json.log")

	opts, err := jsonlog.ParseOptions(map[string]string{"max-size": "10m", "max-file": "3"})
	if err != nil {
		panic(err)
	}
	w, err := jsonlog.NewWriter(path, opts)
	if err != nil {
		panic(err)
	}
	// In real use: io.Copy(w.Stream("stdout"), stdoutPipe), and so on.
	io.Copy(w.Stream("stdout"), strings.NewReader("starting\nlistening on :80\n"))
	io.Copy(w.Stream("stderr"), strings.NewReader("warning: no config"))
	w.Close() // writes the unfinished stderr line

	err = jsonlog.Read(context.Background(), path, jsonlog.ReadOptions{Tail: 2}, nil, func(e jsonlog.Entry) error {
		fmt.Printf("%s: %q\n", e.Stream, e.Line)
		return nil
	})
	if err != nil {
		panic(err)
	}
	// Output:
	// stdout: "listening on :80\n"
	// stderr: "warning: no config"
}
