//go:build !linux

package image

// platformSupported reports whether this OS can host a store: the store's
// cross-process safety rests on flock(2) semantics, implemented for Linux only.
const platformSupported = false
