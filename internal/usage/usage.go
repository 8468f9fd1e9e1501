// Package usage measures how much a directory tree holds, as docker
// system df counts it.
package usage

import (
	"io/fs"
	"path/filepath"
	"syscall"
)

// Dir sums the sizes of the files under dir, counting each hardlinked
// file once. Entries that vanish or cannot be read are not counted.
func Dir(dir string) int64 {
	var size int64
	seen := map[uint64]bool{}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
			if seen[st.Ino] {
				return nil
			}
			seen[st.Ino] = true
		}
		size += fi.Size()
		return nil
	})
	return size
}
