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
