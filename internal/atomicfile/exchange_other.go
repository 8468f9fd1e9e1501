//go:build !linux

package atomicfile

// exchange reports false: a plain rename replaces the file.
func exchange(a, b string) (bool, error) { return false, nil }
