//go:build !linux

package image

import (
	"context"
	"errors"
	"os"
)

// platformSupported reports whether this OS can host a store: the store's
// cross-process safety rests on flock(2) semantics, implemented for Linux only.
const platformSupported = false

var errLocked = errors.New("file is locked")

func flock(ctx context.Context, f *os.File, exclusive, wait bool) error {
	return ErrNotSupported
}
