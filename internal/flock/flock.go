// Package flock takes flock(2) locks on open files, waiting in a way a
// context can cancel. The image store, the volume store and the container
// runtime guard what several processes share with it.
//
// flock locks belong to the open file description: two opens of one file in
// one process exclude each other exactly as two processes do, so every lock
// holder opens its own file, and closing that file releases the lock.
package flock

import "errors"

// ErrLocked is returned without waiting when another open file holds the
// lock.
var ErrLocked = errors.New("file is locked")

// ErrNotSupported is returned off Linux.
var ErrNotSupported = errors.New("flock not supported")
