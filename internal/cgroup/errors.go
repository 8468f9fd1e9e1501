package cgroup

import "errors"

// Sentinel errors; every error of this package wraps one of them (or an
// error from the kernel) and says what was being done.
var (
	// ErrInvalid: the Resources or the group path are not acceptable. The
	// concrete error of Resources.Validate is a *ValidationError.
	ErrInvalid = errors.New("invalid cgroup resources")
	// ErrNotFound: no control group at that path.
	ErrNotFound = errors.New("cgroup not found")
	// ErrInUse: the group still holds processes (Delete), or they did not
	// die in time (Kill).
	ErrInUse = errors.New("cgroup in use")
	// ErrNotSupported: cgroups are not available on this OS or host, or the
	// kernel lacks a controller a limit cannot do without.
	ErrNotSupported = errors.New("not supported")
)

// ValidationError is why Resources.Validate refused a value. Message is
// worded as Docker words it, so a CLI can print it unchanged. It wraps
// ErrInvalid.
type ValidationError struct {
	Field   string // the Resources field at fault, e.g. "Memory"
	Message string // e.g. "Minimum memory limit allowed is 6MB"
}

func (e *ValidationError) Error() string { return e.Message }

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *ValidationError) Unwrap() error { return ErrInvalid }
