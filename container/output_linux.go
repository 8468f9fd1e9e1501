package container

import (
	"errors"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// outputBuffers are the buffers copyOutput reads into.
var outputBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// copyOutput hands what it reads from f (a pipe or a pty master, both
// non-blocking) to fn until f ends. It holds a buffer only while there is
// something to read: it waits for f without one and takes one from a pool
// when the read can be made, so the monitor's idle containers (most of
// them, most of the time) cost no buffer at all, where one per stream
// was 64 kB per container.
func copyOutput(f *os.File, fn func([]byte)) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	for {
		var n int
		var readErr error
		buf := (*[]byte)(nil)
		err := rc.Read(func(fd uintptr) bool {
			b := outputBuffers.Get().(*[]byte)
			n, readErr = unix.Read(int(fd), *b)
			if errors.Is(readErr, unix.EAGAIN) || errors.Is(readErr, unix.EINTR) {
				outputBuffers.Put(b)
				return false // wait until f is readable
			}
			buf = b
			return true
		})
		if buf != nil {
			if n > 0 {
				fn((*buf)[:n])
			}
			outputBuffers.Put(buf)
		}
		switch {
		case err != nil:
			return err
		case readErr != nil:
			return readErr // a pty master reads EIO once the terminal is gone
		case n == 0:
			return io.EOF
		}
	}
}
