//go:build !linux

package volume

import "fmt"

// Populate is Docker's copy-up of an image's content into a new volume; it
// needs Linux's *at system calls and is not supported elsewhere.
func Populate(dst, src string) (bool, error) {
	return false, fmt.Errorf("populate volume %s: %w", dst, ErrNotSupported)
}
