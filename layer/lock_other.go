//go:build !linux

package layer

import (
	"fmt"
	"os"
	"runtime"
)

func lockDir(f *os.File, nonblock bool) error {
	return fmt.Errorf("lock %s on %s: %w", f.Name(), runtime.GOOS, ErrNotSupported)
}
