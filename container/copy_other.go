//go:build !linux

package container

import (
	"context"
	"fmt"
	"io"
	"runtime"
)

// ExtractArchive returns ErrNotSupported: berth copies files on Linux only.
func ExtractArchive(ctx context.Context, dir string, r io.Reader, opts ...CopyOption) error {
	return fmt.Errorf("extract archive on %s: %w", runtime.GOOS, ErrNotSupported)
}
