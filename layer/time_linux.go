package layer

import (
	"time"

	"golang.org/x/sys/unix"
)

// timespec returns the first non-zero time as a Timespec (the Unix epoch
// when all are zero).
func timespec(times ...time.Time) unix.Timespec {
	for _, t := range times {
		if !t.IsZero() {
			return unix.NsecToTimespec(t.UnixNano())
		}
	}
	return unix.Timespec{}
}
