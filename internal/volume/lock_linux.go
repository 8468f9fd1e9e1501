//go:build linux

package volume

// platformSupported reports whether this OS can host a store.
const platformSupported = true
