package jsonlog

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"time"
)

// ReadOptions select the entries Read passes on, as docker logs' flags do.
type ReadOptions struct {
	// Since and Until, when not zero, keep the entries whose time is in
	// [Since, Until]: both ends are included, as in docker. Entries are
	// in time order, so reading stops at the first entry after Until.
	Since, Until time.Time
	// Tail is how many entries to read from the end of the log (across
	// its rotated files), before Since and Until are applied, as docker
	// applies them. -1 (any negative number) means all; 0 means none,
	// which with Follow means only entries written from now on.
	Tail int
	// Follow keeps reading entries as they are written; see Read.
	Follow bool
}

const (
	// minPoll and maxPoll bound how long a follower waits before looking
	// for new entries again: the wait starts short after an entry and
	// doubles while the log is idle.
	minPoll = 5 * time.Millisecond
	maxPoll = 50 * time.Millisecond
	// untilGrace is how long past Until a follower keeps waiting, for
	// entries stamped before Until but not yet written.
	untilGrace = 100 * time.Millisecond
	// maxLineBytes bounds one line of a log file; longer lines (which
	// this package never writes) are skipped like other corrupt lines.
	maxLineBytes = 1 << 20
	// ctxCheckLines is how many lines are read between checks of ctx.
	ctxCheckLines = 256
)

// Read calls fn with the entries of the log at path, oldest first: those
// of its rotated files (path.N … path.1), then those of path, selected by
// opts. An error from fn stops Read and is returned as it is.
//
// With opts.Follow, Read then keeps waiting for new entries and passes
// them on as they are written, by this process or by any other. It
// notices the file being rotated (path is a different file than the one
// it reads — it compares inodes), finishes the old file and continues with
// the next. It stops when ctx is done, returning ctx's error, or when done
// is closed (the container has exited; close done after closing the
// Writer), returning nil once it has passed on what is left. A nil done
// never closes. A follower that falls behind by more than max-file − 1
// rotations misses the files removed meanwhile, as in docker.
//
// Lines that are not entries — the end of an entry cut off when its
// writer died, or text written by something else — are skipped. (Docker
// stops with an error at such a line; skipping keeps one damaged line from
// hiding the rest of a log.) A last line without its "\n" is taken to be
// still being written: Read does not pass it on, and a follower waits for
// the rest of it.
//
// A missing log is an error wrapping ErrNotFound and fs.ErrNotExist.
func Read(ctx context.Context, path string, opts ReadOptions, done <-chan struct{}, fn func(Entry) error) error {
	if fn == nil {
		return fmt.Errorf("read log %s: no callback: %w", path, ErrInvalidOption)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	files, err := openLog(path)
	if err != nil {
		return err
	}
	r := &reader{ctx: ctx, opts: opts, fn: fn, br: bufio.NewReaderSize(nil, 64<<10)}
	defer func() { closeAll(files) }()

	first, err := tailStart(files, opts.Tail)
	if err != nil {
		return fmt.Errorf("read log %s: %w", path, err)
	}
	for i := first; i < len(files); i++ {
		_, stop, err := r.scan(&files[i], files[i].size)
		if err != nil || stop {
			return r.wrap(path, err)
		}
	}
	if !opts.Follow {
		return nil
	}
	err = r.follow(path, &files[len(files)-1], done)
	return r.wrap(path, err)
}

// cursor is a file of a log opened for reading and how far it is read.
type cursor struct {
	file     *os.File
	info     fs.FileInfo
	size     int64 // size when opened
	offset   int64 // where the first line not yet passed on starts
	skipping bool  // offset is inside an over-long line being skipped
}

func openCursor(name string) (cursor, error) {
	f, err := os.Open(name)
	if err != nil {
		return cursor{}, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return cursor{}, err
	}
	return cursor{file: f, info: info, size: info.Size()}, nil
}

// openLog opens the files of the log at path, oldest first, the current
// one last. Rotation only ever moves files to higher numbers and brings a
// new file in by replacing path, so opening the current file first and the
// rotated ones newest first, keeping a file met twice once, gives the
// files in order unless path was replaced meanwhile; then it tries again.
func openLog(path string) ([]cursor, error) {
	var files []cursor
	for attempt := 0; ; attempt++ {
		var err error
		files, err = openLogOnce(path)
		if err != nil {
			return nil, err
		}
		info, err := os.Stat(path)
		if err == nil && os.SameFile(info, files[len(files)-1].info) || attempt == maxAttempts {
			return files, nil
		}
		closeAll(files)
	}
}

// maxAttempts bounds the retries of a look at the files of a log that
// a concurrent rotation spoilt; a rotation takes microseconds.
const maxAttempts = 10

func openLogOnce(path string) ([]cursor, error) {
	current, err := openCursor(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("read log %s: %w: %w", path, ErrNotFound, err)
		}
		return nil, fmt.Errorf("read log %s: %w", path, err)
	}
	files := []cursor{current}
	err = probeRotated(path, func(n int) (found, stop bool, err error) {
		c, err := openCursor(rotatedName(path, n))
		if errors.Is(err, fs.ErrNotExist) {
			return false, false, nil
		}
		if err != nil {
			return false, true, err
		}
		if c.in(files) {
			c.file.Close()
		} else {
			files = append(files, c)
		}
		return true, false, nil
	})
	if err != nil {
		closeAll(files)
		return nil, fmt.Errorf("read log %s: %w", path, err)
	}
	slices.Reverse(files) // oldest first
	return files, nil
}

// in reports whether c's file is one of files.
func (c cursor) in(files []cursor) bool {
	for _, other := range files {
		if os.SameFile(other.info, c.info) {
			return true
		}
	}
	return false
}

func closeAll(files []cursor) {
	for _, c := range files {
		c.file.Close()
	}
}

// tailStart sets the offsets of files so that reading them from the
// returned index on gives their last tail complete lines (all when tail is
// negative).
func tailStart(files []cursor, tail int) (int, error) {
	if tail < 0 {
		return 0, nil
	}
	for i := len(files) - 1; i >= 0; i-- {
		start, count, err := lastLines(files[i].file, files[i].size, tail)
		if err != nil {
			return 0, err
		}
		files[i].offset = start
		tail -= count
		if tail == 0 {
			return i, nil
		}
	}
	return 0, nil
}

// lastLines finds the last n complete ("\n"-terminated) lines of the
// first size bytes of r, reading backwards. It returns where they start
// and how many there are (fewer than n when r has fewer). For n = 0 it
// returns where the last complete line ends.
func lastLines(r io.ReaderAt, size int64, n int) (start int64, count int, err error) {
	buf := make([]byte, 64<<10)
	end := int64(-1) // end of the last complete line, once found
	for pos := size; pos > 0; {
		chunk := int64(len(buf))
		if chunk > pos {
			chunk = pos
		}
		pos -= chunk
		if _, err := r.ReadAt(buf[:chunk], pos); err != nil {
			return 0, 0, fmt.Errorf("find the last %d lines: %w", n, err)
		}
		for i := chunk - 1; i >= 0; i-- {
			if buf[i] != '\n' {
				continue
			}
			if end < 0 {
				end = pos + i + 1
				if n == 0 {
					return end, 0, nil
				}
				continue
			}
			// A complete line starts after this newline.
			count++
			if count == n {
				return pos + i + 1, count, nil
			}
		}
	}
	if end < 0 {
		return 0, 0, nil
	}
	return 0, count + 1, nil // the first line starts at 0
}

// reader passes the entries of one Read on to its callback.
type reader struct {
	ctx     context.Context
	opts    ReadOptions
	fn      func(Entry) error
	br      *bufio.Reader
	pending []byte // a line longer than br's buffer, being put together
	lines   int
}

// scan passes on the complete lines of c from its offset up to limit
// (negative: to the end of the file) and moves the offset past them. It
// reports whether the offset moved and whether an entry after Until ended
// the reading.
func (r *reader) scan(c *cursor, limit int64) (progress, stop bool, err error) {
	if limit < 0 {
		limit = math.MaxInt64
	}
	if limit <= c.offset {
		return false, false, nil
	}
	r.br.Reset(io.NewSectionReader(c.file, c.offset, limit-c.offset))
	r.pending = r.pending[:0]
	pos := c.offset
	for {
		chunk, err := r.br.ReadSlice('\n')
		pos += int64(len(chunk))
		switch {
		case err == nil:
			line := chunk
			if len(r.pending) > 0 {
				r.pending = append(r.pending, chunk...)
				line = r.pending
			}
			skipped := c.skipping
			c.offset, c.skipping, progress = pos, false, true
			r.pending = r.pending[:0]
			if !skipped {
				if stop, err := r.pass(line); err != nil || stop {
					return progress, stop, err
				}
			}
			if r.lines++; r.lines%ctxCheckLines == 0 {
				if err := r.ctx.Err(); err != nil {
					return progress, false, err
				}
			}
		case errors.Is(err, bufio.ErrBufferFull):
			if !c.skipping {
				r.pending = append(r.pending, chunk...)
				if len(r.pending) <= maxLineBytes {
					continue
				}
				c.skipping = true
				r.pending = r.pending[:0]
			}
			c.offset, progress = pos, true
		case errors.Is(err, io.EOF):
			// What is left is a line still being written: read it again
			// next time, unless it is being skipped.
			if c.skipping && len(chunk) > 0 {
				c.offset, progress = pos, true
			}
			return progress, false, nil
		default:
			return progress, false, err
		}
	}
}

// pass decodes one line and, if it is an entry opts select, calls fn.
// stop reports an entry after Until.
func (r *reader) pass(line []byte) (stop bool, err error) {
	entry, err := decodeEntry(line)
	if err != nil {
		return false, nil // not an entry: skipped, see Read
	}
	if !r.opts.Since.IsZero() && entry.Time.Before(r.opts.Since) {
		return false, nil
	}
	if !r.opts.Until.IsZero() && entry.Time.After(r.opts.Until) {
		return true, nil
	}
	if err := r.fn(entry); err != nil {
		return false, callbackError{err}
	}
	return false, nil
}

// callbackError carries an error of Read's callback out, to be returned
// as it is.
type callbackError struct{ err error }

func (e callbackError) Error() string { return e.err.Error() }

// wrap turns an error ending a Read into the error Read returns: the
// callback's and the context's as they are, others saying what failed.
func (r *reader) wrap(path string, err error) error {
	var callback callbackError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &callback):
		return callback.err
	case r.ctx.Err() != nil && errors.Is(err, r.ctx.Err()):
		return r.ctx.Err()
	default:
		return fmt.Errorf("read log %s: %w", path, err)
	}
}

// follow passes on entries as they are written to c and to the files
// that follow it, until ctx is done, until done is closed and all is
// read, or until an entry after Until. See Read.
func (r *reader) follow(path string, c *cursor, done <-chan struct{}) error {
	delay := minPoll
	timer := time.NewTimer(delay)
	defer timer.Stop()
	draining := false
	for {
		progress, stop, err := r.scan(c, -1)
		if err != nil || stop {
			return err
		}
		if progress {
			delay = minPoll
			continue
		}
		next, err := nextFile(path, c)
		if err != nil {
			return err
		}
		if next != nil {
			// Whatever was written to c before it was rotated is there now.
			if _, stop, err := r.scan(c, -1); err != nil || stop {
				next.file.Close()
				return err
			}
			c.file.Close()
			*c = *next
			delay = minPoll
			continue
		}
		if draining {
			return nil
		}
		if !r.opts.Until.IsZero() && time.Now().After(r.opts.Until.Add(untilGrace)) {
			return nil // no entry written from now on can be selected
		}
		timer.Reset(delay)
		select {
		case <-r.ctx.Done():
			return r.ctx.Err()
		case <-done:
			draining = true
		case <-timer.C:
			delay = min(2*delay, maxPoll)
		}
	}
}

// nextFile returns the file that follows c in the log at path, opened,
// once c has been rotated away; nil while c is still the current file, or
// while no consistent look at the files could be had (the caller asks
// again later). The file following c is the nearest rotated file with a
// lower number than c's now, or else the current file. If c is gone
// (removed as the oldest, because this follower fell behind), it is the
// oldest rotated file left, so that as little as possible is lost.
func nextFile(path string, c *cursor) (*cursor, error) {
	for attempt := range maxAttempts {
		info, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil // being replaced, if links are not supported
		}
		if err != nil {
			return nil, fmt.Errorf("follow: %w", err)
		}
		if os.SameFile(info, c.info) {
			return nil, nil
		}
		// Look for c, and for the nearest file newer than it.
		at, name := "", path
		err = probeRotated(path, func(n int) (found, stop bool, err error) {
			rotated, err := os.Stat(rotatedName(path, n))
			if err != nil {
				return false, false, nil
			}
			if os.SameFile(rotated, c.info) {
				at = rotatedName(path, n)
				return true, true, nil
			}
			name = rotatedName(path, n)
			return true, false, nil
		})
		if err != nil {
			return nil, fmt.Errorf("follow: %w", err)
		}
		if at == "" && attempt < maxAttempts-1 {
			continue // gone, or moved past the names listed: look again
		}
		next, err := openCursor(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("follow: %w", err)
		}
		// Rotation renames the highest numbers first: if c is still where
		// it was found and next still where it was opened, nothing between
		// them moved either.
		if !os.SameFile(next.info, c.info) && stillAt(at, c.info) && stillAt(name, next.info) {
			return &next, nil
		}
		next.file.Close()
	}
	return nil, nil
}

// stillAt reports whether name (if not empty) is the file info describes.
func stillAt(name string, info fs.FileInfo) bool {
	if name == "" {
		return true
	}
	now, err := os.Stat(name)
	return err == nil && os.SameFile(now, info)
}
