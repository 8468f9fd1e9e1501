package seccomp

import (
	"fmt"
	"strconv"
	"strings"
)

// parseKernelRelease reads the major and minor version from a kernel
// release string as uname(2) reports it ("6.8.0-45-generic" → 6.8).
func parseKernelRelease(release string) (KernelVersion, error) {
	majorText, rest, ok := strings.Cut(release, ".")
	if !ok {
		return KernelVersion{}, fmt.Errorf("parse kernel release %q: %w", release, ErrInvalidKernelRelease)
	}
	minorText := rest
	if end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' }); end >= 0 {
		minorText = rest[:end]
	}
	major, err := strconv.ParseUint(majorText, 10, 32)
	if err != nil {
		return KernelVersion{}, fmt.Errorf("parse kernel release %q: major version: %w", release, ErrInvalidKernelRelease)
	}
	minor, err := strconv.ParseUint(minorText, 10, 32)
	if err != nil {
		return KernelVersion{}, fmt.Errorf("parse kernel release %q: minor version: %w", release, ErrInvalidKernelRelease)
	}
	return KernelVersion{Major: major, Minor: minor}, nil
}
