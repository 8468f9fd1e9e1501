package layer

import (
	"errors"
	"fmt"
)

// Sentinel errors; every error of this package wraps one of them and says
// what was being done.
var (
	// ErrUnsafeEntry: a tar entry tried to leave the layer directory, to
	// create a device the caller forbids, or is otherwise hostile. The
	// concrete error is an *EntryError.
	ErrUnsafeEntry = errors.New("unsafe layer entry")
	// ErrLimit: the layer exceeds a configured limit (entries, bytes).
	ErrLimit = errors.New("layer limit exceeded")
	// ErrInvalid: malformed input (not a tar, unknown compression, bad header).
	ErrInvalid = errors.New("invalid layer")
	// ErrNotFound: no unpacked layer with that diffID.
	ErrNotFound = errors.New("layer not found")
	// ErrDiffIDMismatch: the uncompressed content did not hash to the
	// diffID the image config promised.
	ErrDiffIDMismatch = errors.New("layer content does not match its diffID")
	// ErrNotSupported: not available on this OS or kernel.
	ErrNotSupported = errors.New("not supported")
)

// EntryError names the tar entry that was refused and why. It wraps
// ErrUnsafeEntry or ErrLimit.
type EntryError struct {
	Name   string // the entry's name as written in the tar header
	Reason string
	Err    error // ErrUnsafeEntry or ErrLimit
}

func (e *EntryError) Error() string {
	return fmt.Sprintf("layer entry %q: %s", e.Name, e.Reason)
}

func (e *EntryError) Unwrap() error { return e.Err }
