// Package plainfile opens, reads and writes small regular files with plain
// system calls.
//
// os.Open and the functions built on it (os.ReadFile, os.WriteFile,
// os.OpenFile) try to register every file with Go's network poller: they
// set the descriptor non-blocking, ask epoll to watch it, which a regular
// file refuses, and set it blocking again. That is five system calls more
// per file, and a runtime's state, config and index files are opened by
// the dozen in every container start. The functions here open with
// open(2) and, where a *os.File is wanted, wrap the descriptor with
// os.NewFile, which leaves the poller alone. Errors are *os.PathError, as
// os gives them, so errors.Is(err, fs.ErrNotExist) and the like hold.
package plainfile

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// Open opens path as os.OpenFile does (flag as there, O_CLOEXEC added;
// of perm only the permission bits), for a regular file or a directory.
func Open(path string, flag int, perm os.FileMode) (*os.File, error) {
	fd, err := open(path, flag, perm)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), path), nil
}

// ReadFile reads the whole file at path, as os.ReadFile does.
func ReadFile(path string) ([]byte, error) {
	fd, err := open(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	size := 512
	var st unix.Stat_t
	if unix.Fstat(fd, &st) == nil && st.Size > 0 && st.Size < 1<<30 {
		size = int(st.Size) + 1 // one more, to see the end in one read
	}
	b := make([]byte, 0, size)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := ignoringEINTR(func() (int, error) { return unix.Read(fd, b[len(b):cap(b)]) })
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return b, nil
		}
		b = b[:len(b)+n]
	}
}

// WriteFile writes data to path, creating it with perm (before umask) or
// truncating it, as os.WriteFile does.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	fd, err := open(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	for len(data) > 0 {
		n, err := ignoringEINTR(func() (int, error) { return unix.Write(fd, data) })
		if err != nil {
			_ = unix.Close(fd)
			return &os.PathError{Op: "write", Path: path, Err: err}
		}
		if n == 0 {
			_ = unix.Close(fd)
			return &os.PathError{Op: "write", Path: path, Err: io.ErrShortWrite}
		}
		data = data[n:]
	}
	if err := unix.Close(fd); err != nil {
		return &os.PathError{Op: "close", Path: path, Err: err}
	}
	return nil
}

func open(path string, flag int, perm os.FileMode) (int, error) {
	fd, err := ignoringEINTR(func() (int, error) {
		return unix.Open(path, flag|unix.O_CLOEXEC, uint32(perm.Perm()))
	})
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return fd, nil
}

func ignoringEINTR(fn func() (int, error)) (int, error) {
	for {
		n, err := fn()
		if err != unix.EINTR {
			return n, err
		}
	}
}
