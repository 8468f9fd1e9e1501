package image

import "errors"

// Sentinel errors; every error returned by this package wraps one of them
// or an error of registryclient, and says what was being done.
var (
	ErrNotFound     = errors.New("image not found")
	ErrAmbiguous    = errors.New("ambiguous image ID prefix")
	ErrInUse        = errors.New("image is in use")
	ErrConflict     = errors.New("conflict")
	ErrInvalid      = errors.New("invalid argument")
	ErrCorrupt      = errors.New("store is corrupt")
	ErrNotSupported = errors.New("not supported on this platform")
)
