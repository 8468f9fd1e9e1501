//go:build !linux

package mount

import (
	"errors"
	"fmt"
	"runtime"
)

// ErrNotSupported is returned on systems other than Linux.
var ErrNotSupported = errors.New("not supported")

// Apply is only implemented on Linux.
func Apply(typ, source string, options []string, target string) error {
	return fmt.Errorf("mount %s on %s: %w", typ, runtime.GOOS, ErrNotSupported)
}

// Unmount is only implemented on Linux.
func Unmount(target string) error {
	return fmt.Errorf("unmount on %s: %w", runtime.GOOS, ErrNotSupported)
}
