package layer

import (
	"errors"
	"io/fs"
	"os"
)

// renameIfAbsent renames from to to unless to exists. Unlike the
// kernel's RENAME_NOREPLACE it is not atomic: a name made between the
// check and the rename is replaced if it is an empty directory.
func renameIfAbsent(from, to string) error {
	if _, err := os.Lstat(to); err == nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: fs.ErrExist}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.Rename(from, to)
}
