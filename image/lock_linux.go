//go:build linux

package image

// platformSupported reports whether this OS can host a store.
const platformSupported = true
