package jsonlog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// filePerm is the mode of new log files, docker's.
const filePerm = 0o640

// Writer appends entries to a log file and rotates it. One Writer (in one
// process) writes a log at a time; readers may be anywhere. It is safe for
// concurrent use: its streams may be written from different goroutines.
type Writer struct {
	path string
	opts Options
	now  func() time.Time // tests replace it

	mu      sync.Mutex
	file    *os.File // nil once closed
	size    int64    // bytes in file
	torn    bool     // file may end inside an entry: start the next write with "\n"
	closed  bool
	streams []*stream // open streams, flushed by Close
	batch   []byte    // entries encoded by the current call, not yet written
	stamp   []byte    // the current call's formatted time
}

// NewWriter opens the log at path for appending, creating it if needed
// (mode 0640), and returns a Writer that rotates it as opts says. Options
// are checked as ParseOptions checks them (errors wrap ErrInvalidOption);
// a zero MaxFiles means 1.
//
// A log whose last entry was cut short (its writer died mid-write) is
// continued on a fresh line, so that only the cut entry is lost.
func NewWriter(path string, opts Options) (*Writer, error) {
	opts, err := opts.normalized()
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", path, err)
	}
	w := &Writer{path: path, opts: opts, now: time.Now}
	if err := w.open(); err != nil {
		return nil, err
	}
	if w.size > 0 {
		last := make([]byte, 1)
		if _, err := w.file.ReadAt(last, w.size-1); err != nil {
			w.file.Close()
			return nil, fmt.Errorf("open log %s: read its end: %w", path, err)
		}
		w.torn = last[0] != '\n'
	}
	return w, nil
}

// open opens w.path for appending and records its size. It is called
// before w is shared.
func (w *Writer) open() error {
	f, err := os.OpenFile(w.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, filePerm)
	if err != nil {
		return fmt.Errorf("open log %s: %w", w.path, err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("open log %s: %w", w.path, err)
	}
	w.file, w.size, w.torn = f, info.Size(), false
	return nil
}

// Stream returns a writer for the stream called name ("stdout" or
// "stderr"; docker writes no other). It splits what is written to it into
// lines and appends each complete line to the log as one entry, stamped
// with the time of the Write that completed it. A line without its "\n"
// yet waits in the stream until the rest comes, or until the stream or the
// Writer is closed, when it becomes an entry without "\n". A line longer
// than 16 KiB becomes several entries, as in docker; the pieces but the
// last have no "\n".
//
// Each call returns a new stream with its own pending line: use one per
// source. A Write appends all its complete lines with one write to the
// file (one per MiB, and one per rotation), so a Write is usually one
// system call. If that write
// fails, Write returns the error and the lines of that call are lost; the
// stream and the Writer stay usable.
func (w *Writer) Stream(name string) io.WriteCloser {
	s := &stream{w: w, name: name}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		s.closed = true
	} else {
		w.streams = append(w.streams, s)
	}
	return s
}

// Close writes the pending partial line of every stream still open,
// closes them and the file. Later writes fail with ErrClosed. Closing twice
// is not an error.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.beginBatch()
	var errs []error
	for _, s := range w.streams {
		s.closed = true
		errs = append(errs, s.flushPartial())
	}
	w.streams = nil
	errs = append(errs, w.writeBatch())
	w.closed = true
	if w.file != nil {
		if err := w.file.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close log %s: %w", w.path, err))
		}
		w.file = nil
	}
	return errors.Join(errs...)
}

// beginBatch starts collecting the entries of one call, stamped now.
// Called with w.mu held.
func (w *Writer) beginBatch() {
	w.batch = w.batch[:0]
	w.stamp = appendTime(w.stamp[:0], w.now())
}

// addEntry encodes one entry into the batch, first writing out what is
// batched and rotating the file if the entry would make it exceed MaxSize.
// Called with w.mu held.
func (w *Writer) addEntry(log []byte, newline bool, stream string) error {
	start := len(w.batch)
	w.batch = appendEntry(w.batch, log, newline, stream, w.stamp)
	if w.opts.MaxSize == 0 {
		if len(w.batch) >= maxBatch {
			return w.writeBatch()
		}
		return nil
	}
	filled := w.size + int64(start)
	entry := w.batch[start:]
	if filled == 0 || filled+int64(len(entry)) <= w.opts.MaxSize {
		if len(w.batch) >= maxBatch {
			return w.writeBatch()
		}
		return nil
	}
	// The entry goes to a new file: write out what comes before it, rotate,
	// and make it the first entry of the batch.
	w.batch = w.batch[:start]
	if err := w.writeBatch(); err != nil {
		return err
	}
	if err := w.rotate(); err != nil {
		return err
	}
	w.batch = append(w.batch[:0], entry...) // same array; append moves with overlap
	return nil
}

// maxBatch bounds the bytes a Write collects before writing them out, so
// that a huge Write does not hold its whole encoding in memory.
const maxBatch = 1 << 20

// writeBatch appends the batch to the file with one write and empties it.
// Called with w.mu held.
func (w *Writer) writeBatch() error {
	if len(w.batch) == 0 {
		return nil
	}
	defer func() { w.batch = w.batch[:0] }()
	if w.torn {
		n, err := w.file.Write([]byte{'\n'})
		w.size += int64(n)
		if err != nil {
			return fmt.Errorf("write log %s: %w", w.path, err)
		}
		w.torn = false
	}
	n, err := w.file.Write(w.batch)
	w.size += int64(n)
	if err != nil {
		w.torn = n > 0 && n < len(w.batch)
		return fmt.Errorf("write log %s: %w", w.path, err)
	}
	return nil
}

// stream is one source's writer; see Writer.Stream.
type stream struct {
	w       *Writer
	name    string
	partial []byte // text of the line not yet complete, shorter than maxEntryLog
	closed  bool   // guarded by w.mu
}

// Write appends the lines p completes to the log; see Writer.Stream.
func (s *stream) Write(p []byte) (int, error) {
	w := s.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if s.closed {
		return 0, fmt.Errorf("write %s log: %w", s.name, ErrClosed)
	}
	w.beginBatch()
	if err := s.consume(p); err != nil {
		return 0, err
	}
	if err := w.writeBatch(); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close appends the pending partial line, if any, and closes the stream.
// Closing twice is not an error.
func (s *stream) Close() error {
	w := s.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	for i, open := range w.streams {
		if open == s {
			w.streams = append(w.streams[:i], w.streams[i+1:]...)
			break
		}
	}
	w.beginBatch()
	if err := s.flushPartial(); err != nil {
		return err
	}
	return w.writeBatch()
}

// consume splits p into entries added to the batch and keeps the
// incomplete end of p in s.partial. Called with w.mu held.
func (s *stream) consume(p []byte) error {
	for len(p) > 0 {
		var text []byte
		complete := false
		if i := bytes.IndexByte(p, '\n'); i >= 0 {
			text, p, complete = p[:i], p[i+1:], true
		} else {
			text, p = p, nil
		}
		if len(s.partial) > 0 {
			s.partial = append(s.partial, text...)
			text = s.partial
		}
		rest, err := s.addPieces(text)
		if err != nil {
			s.partial = s.partial[:0]
			return err
		}
		if complete {
			err = s.w.addEntry(rest, true, s.name)
			s.partial = s.partial[:0]
		} else {
			// rest may alias s.partial; copy handles the overlap.
			s.partial = append(s.partial[:0], rest...)
		}
		if cap(s.partial) > 4*maxEntryLog {
			s.partial = bytes.Clone(s.partial) // let a huge write's buffer go
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// addPieces adds an entry without "\n" for each leading piece of text
// that fills maxEntryLog bytes, and returns the rest, shorter than that.
func (s *stream) addPieces(text []byte) ([]byte, error) {
	for len(text) >= maxEntryLog {
		cut := splitPoint(text)
		if err := s.w.addEntry(text[:cut], false, s.name); err != nil {
			return nil, err
		}
		text = text[cut:]
	}
	return text, nil
}

// flushPartial adds the pending partial line, if any, as an entry without
// "\n". Called with w.mu held, within a batch.
func (s *stream) flushPartial() error {
	if len(s.partial) == 0 {
		return nil
	}
	err := s.w.addEntry(s.partial, false, s.name)
	s.partial = nil
	return err
}
