package capability

import "errors"

var (
	// ErrUnknownCapability is returned for a name that is not a Linux
	// capability.
	ErrUnknownCapability = errors.New("unknown capability")

	// ErrUnsupportedCapability is returned for a capability the running
	// kernel does not have (one newer than the kernel).
	ErrUnsupportedCapability = errors.New("capability not supported by the kernel")
)
