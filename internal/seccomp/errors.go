package seccomp

import "errors"

var (
	// ErrUnsupportedArch is returned by Compile for an architecture the
	// profile does not list or this package has no syscall table for.
	ErrUnsupportedArch = errors.New("unsupported seccomp architecture")

	// ErrInvalidRule is returned by Compile when a rule of the profile cannot
	// be expressed: an unknown action or operator, an argument index above 5,
	// or a 64-bit value compared on a 32-bit architecture.
	ErrInvalidRule = errors.New("invalid seccomp rule")

	// ErrInvalidFilter is returned by Install for a program the kernel would
	// refuse on size alone: empty, or longer than 4096 instructions.
	ErrInvalidFilter = errors.New("invalid seccomp filter")
)

// ErrInvalidKernelRelease is returned by Compile when the running kernel's
// release string (uname -r) does not start with "<major>.<minor>".
var ErrInvalidKernelRelease = errors.New("invalid kernel release")
