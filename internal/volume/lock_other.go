//go:build !linux

package volume

// platformSupported reports whether this OS can host a store: its
// cross-process safety rests on flock(2) as Linux implements it.
const platformSupported = false
