//go:build !linux

package layer

import (
	"context"
	"fmt"
	"io"
	"runtime"
)

// Unpack is only implemented on Linux.
func Unpack(ctx context.Context, dir string, r io.Reader, opts ...UnpackOption) (Stats, error) {
	return Stats{}, fmt.Errorf("unpack layer on %s: %w", runtime.GOOS, ErrNotSupported)
}

// NewCopySnapshotter is only implemented on Linux.
func NewCopySnapshotter(root string) (Snapshotter, error) {
	return nil, fmt.Errorf("copy snapshotter on %s: %w", runtime.GOOS, ErrNotSupported)
}

// Apply is only implemented on Linux.
func (m Mount) Apply(target string) error {
	return fmt.Errorf("mount %s on %s: %w", m.Type, runtime.GOOS, ErrNotSupported)
}

// Unmount is only implemented on Linux.
func Unmount(target string) error {
	return fmt.Errorf("unmount on %s: %w", runtime.GOOS, ErrNotSupported)
}
