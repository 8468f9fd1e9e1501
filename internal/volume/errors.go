package volume

import (
	"errors"
	"strings"
)

// Sentinel errors. Every error the package returns wraps one of them (or an
// error of the operating system) and says what was being done.
var (
	// ErrNotFound: no volume by that name. Its text is Docker's.
	ErrNotFound = errors.New("no such volume")
	// ErrInvalid: a volume name or an argument is wrong.
	ErrInvalid = errors.New("invalid argument")
	// ErrInUse: containers use the volume; the error is an *InUseError.
	ErrInUse = errors.New("volume is in use")
	// ErrNotSupported: the platform cannot host a volume store (it needs
	// Linux's flock and *at system calls).
	ErrNotSupported = errors.New("not supported on this platform")
)

// InUseError is a volume that cannot be removed because containers use it.
// Its text is Docker's ("volume is in use - [ID, ID]"), after the operation
// and name that wrap it: "remove data: volume is in use - [3f2a…]".
type InUseError struct {
	Volume string
	// Users are the IDs of the containers using the volume, sorted.
	Users []string
}

func (e *InUseError) Error() string {
	return ErrInUse.Error() + " - [" + strings.Join(e.Users, ", ") + "]"
}

// Unwrap makes an InUseError match ErrInUse.
func (e *InUseError) Unwrap() error { return ErrInUse }
