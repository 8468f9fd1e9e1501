package userspec

import "errors"

var (
	// ErrNoSuchUser is wrapped when a user name is not in the container's
	// /etc/passwd (or the file is missing).
	ErrNoSuchUser = errors.New("no such user")
	// ErrNoSuchGroup is wrapped when a group name is not in the container's
	// /etc/group (or the file is missing).
	ErrNoSuchGroup = errors.New("no such group")
	// ErrInvalid is wrapped for a malformed spec or group, or a UID or GID
	// outside 0..2147483647 in the spec or the files.
	ErrInvalid = errors.New("invalid user spec")
)

// classifiedError keeps the message of the error it wraps (Docker's wording
// comes from moby/sys/user) while also matching one of this package's
// sentinels with errors.Is.
type classifiedError struct {
	sentinel error
	err      error
}

func (e *classifiedError) Error() string   { return e.err.Error() }
func (e *classifiedError) Unwrap() []error { return []error{e.sentinel, e.err} }
