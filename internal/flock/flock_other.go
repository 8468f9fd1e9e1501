//go:build !linux

package flock

import (
	"context"
	"os"
)

// Lock is only implemented on Linux.
func Lock(ctx context.Context, f *os.File, exclusive, wait bool) error {
	return ErrNotSupported
}
