// Package atomicfile replaces small files so that readers see the old
// content or the new, never a mix, without making the file system write
// the new content out on the spot.
//
// The usual way, write a temporary file and rename it over the old one,
// costs a disk write on ext4 with its default auto_da_alloc: a rename
// that replaces a file starts writeback of the renamed file's data, so
// that a crash does not leave it empty. berth rewrites its state files
// several times per container, without fsync on purpose (a crash is
// recovered from the files that describe the operation, not from their
// data being on disk), and those writes were a measurable part of
// starting one. Exchanging the two files (renameat2 with
// RENAME_EXCHANGE) is as atomic for readers, starts no writeback, and
// leaves the old content under the temporary name, which is then
// removed.
package atomicfile

import (
	"errors"
	"os"

	"github.com/berth-dev/berth/internal/plainfile"
)

// Write makes path hold data. The content goes to tmp first, which must
// be on path's file system and not used by anyone else meanwhile (the
// caller's lock, or a name of its own), and which is gone when Write
// returns. Nothing is synced to disk.
func Write(path, tmp string, data []byte, perm os.FileMode) error {
	if err := plainfile.WriteFile(tmp, data, perm); err != nil {
		return err
	}
	exchanged, err := exchange(tmp, path)
	if err == nil && !exchanged {
		// No file to replace yet (a plain rename starts no writeback
		// then), or no exchange on this system.
		err = os.Rename(tmp, path)
	}
	if err != nil || exchanged {
		// tmp holds the old content, or the new one that was not put in
		// place.
		if rerr := os.Remove(tmp); err == nil && !errors.Is(rerr, os.ErrNotExist) {
			err = rerr
		}
	}
	return err
}
