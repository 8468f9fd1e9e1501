package jsonlog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// rotatedName is the name of the n-th newest rotated file of the log at
// path: path.1 is the newest, docker's naming.
func rotatedName(path string, n int) string {
	return path + "." + strconv.Itoa(n)
}

// rotate moves the current file out of the way and starts a new, empty
// one at w.path, with docker's names: path.<MaxFiles-1> is removed,
// path.<i> becomes path.<i+1> and the current file becomes path.1; with
// MaxFiles 1 it is removed instead. Unlike docker, path is never missing,
// not even for a moment: the current file is linked as path.1 and the new
// file, made under a temporary name, replaces it with one rename. Readers
// holding the old file open keep reading it.
// Called with w.mu held and the batch written out.
func (w *Writer) rotate() error {
	if w.opts.MaxFiles > 1 {
		numbers, err := rotatedFiles(w.path)
		if err != nil {
			return fmt.Errorf("rotate log: %w", err)
		}
		// Highest first, so that no file is renamed onto another (and
		// readers can rely on the order; see openLog). Files numbered
		// beyond max-file, left by an earlier setting, stay, as in docker.
		for _, n := range slices.Backward(numbers) {
			switch {
			case n > w.opts.MaxFiles-1:
				continue
			case n == w.opts.MaxFiles-1:
				err = os.Remove(rotatedName(w.path, n))
			default:
				err = os.Rename(rotatedName(w.path, n), rotatedName(w.path, n+1))
			}
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("rotate log %s: %w", w.path, err)
			}
		}
		if err := os.Link(w.path, rotatedName(w.path, 1)); err != nil {
			// No hard links here: rename, leaving path missing until the
			// new file is in place.
			if err := os.Rename(w.path, rotatedName(w.path, 1)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("rotate log %s: %w", w.path, err)
			}
		}
	}
	fresh := w.path + ".new"
	f, err := os.OpenFile(fresh, os.O_RDWR|os.O_APPEND|os.O_CREATE|os.O_TRUNC, filePerm)
	if err != nil {
		return fmt.Errorf("rotate log %s: %w", w.path, err)
	}
	if err := os.Rename(fresh, w.path); err != nil {
		f.Close()
		os.Remove(fresh)
		return fmt.Errorf("rotate log %s: %w", w.path, err)
	}
	old := w.file
	w.file, w.size, w.torn = f, 0, false
	if err := old.Close(); err != nil {
		return fmt.Errorf("rotate log %s: close the old file: %w", w.path, err)
	}
	return nil
}

// rotatedFiles returns the numbers of the rotated files of the log at
// path, newest (1) first, from a listing of its directory, which also
// finds files beyond a gap or beyond max-file (kept by an earlier, larger
// max-file). Readers, racing the writer's renames, use probeRotated.
func rotatedFiles(path string) ([]int, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list rotated logs of %s: %w", path, err)
	}
	var numbers []int
	for _, entry := range entries {
		suffix, ok := strings.CutPrefix(entry.Name(), base+".")
		if !ok || suffix == "" || strings.TrimLeft(suffix, "0123456789") != "" || suffix[0] == '0' {
			continue
		}
		n, err := strconv.Atoi(suffix)
		if err != nil {
			continue
		}
		numbers = append(numbers, n)
	}
	sort.Ints(numbers)
	return numbers, nil
}

// probeRotated calls probe with 1, 2, … to look at the rotated files of
// the log at path one by one, oldest last, until probe stops it or there
// are no more. A directory listing read while files are renamed may miss
// some, so the listing only says how far to look: every number up to its
// highest is probed, and beyond it numbers while they exist, since a
// rotation may be moving the oldest file up by one.
func probeRotated(path string, probe func(n int) (found, stop bool, err error)) error {
	numbers, err := rotatedFiles(path)
	if err != nil {
		return err
	}
	highest := 0
	if len(numbers) > 0 {
		highest = numbers[len(numbers)-1]
	}
	for n := 1; ; n++ {
		found, stop, err := probe(n)
		if err != nil || stop {
			return err
		}
		if !found && n > highest {
			return nil
		}
	}
}
