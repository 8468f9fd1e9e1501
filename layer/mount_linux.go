package layer

import "github.com/berth-dev/berth/internal/mount"

// Apply mounts m on target. It is the one place that performs the mounts
// that snapshots describe (through internal/mount, which a container's
// child shares). Runs in the calling thread's mount namespace.
//
// An overlay whose options do not fit in a page (many layers with long
// paths) is mounted through the new mount API (fsopen/fsconfig), giving
// overlayfs one lower directory at a time with "lowerdir+" (Linux 6.8+),
// so there is no limit on layers but overlayfs's own (500).
func (m Mount) Apply(target string) error {
	return mount.Apply(m.Type, m.Source, m.Options, target)
}

// Unmount detaches whatever is mounted on target. Not mounted is not an
// error.
func Unmount(target string) error { return mount.Unmount(target) }
