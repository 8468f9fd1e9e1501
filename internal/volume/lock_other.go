//go:build !linux

package volume

import (
	"context"
	"errors"
	"os"
)

// platformSupported reports whether this OS can host a store: its
// cross-process safety rests on flock(2) as Linux implements it.
const platformSupported = false

var errLocked = errors.New("file is locked")

func flock(ctx context.Context, f *os.File, exclusive, wait bool) error {
	return ErrNotSupported
}
