package userspec

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
)

// maxFileSize caps how much of /etc/passwd or /etc/group is read, the same
// cap moby/sys/user applies.
const maxFileSize = 10 << 20

// readUserFile returns the contents of name (an absolute path inside the
// container) read through root, or nil if there is no regular file there.
//
// Symbolic links are first resolved as if root were "/", as Docker does,
// so that an absolute link inside the image still finds its target inside
// the image; os.Root on its own rejects absolute links. The resolved path is
// then opened through root, which refuses to leave it even if the tree
// changes in between.
func readUserFile(root *os.Root, name string) ([]byte, error) {
	resolved, err := securejoin.SecureJoinVFS("/", name, rootVFS{root})
	if err != nil {
		return nil, fmt.Errorf("resolve %s in container root: %w", name, err)
	}
	rel := rootRelative(resolved)

	// Look before opening: opening a FIFO would block and opening a device
	// can have side effects.
	info, err := root.Lstat(rel)
	if isMissing(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("stat %s in container root: %w", name, err)
	}
	if !info.Mode().IsRegular() {
		return nil, nil
	}

	// O_NONBLOCK guards against the file being swapped for a FIFO after
	// the Lstat; it changes nothing for a regular file.
	f, err := root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if isMissing(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %s in container root: %w", name, err)
	}
	defer f.Close()
	if info, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("stat %s in container root: %w", name, err)
	}
	if !info.Mode().IsRegular() {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s in container root: %w", name, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("read %s in container root: file exceeds %d bytes", name, maxFileSize)
	}
	if data == nil {
		data = []byte{} // present but empty, not missing
	}
	return data, nil
}

func isMissing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// rootRelative turns a path that is absolute inside the root into the
// relative form os.Root methods take.
func rootRelative(name string) string {
	name = strings.TrimLeft(filepath.ToSlash(name), "/")
	if name == "" {
		return "."
	}
	return name
}

// rootVFS lets securejoin walk the tree through an os.Root, so the walk
// itself never touches anything outside it.
type rootVFS struct{ root *os.Root }

func (v rootVFS) Lstat(name string) (fs.FileInfo, error) {
	return v.root.Lstat(rootRelative(name))
}

func (v rootVFS) Readlink(name string) (string, error) {
	return v.root.Readlink(rootRelative(name))
}
