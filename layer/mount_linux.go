package layer

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// mountFlags maps the options that are flags of mount(2); the others are
// passed as data.
var mountFlags = map[string]uintptr{
	"ro":      unix.MS_RDONLY,
	"rbind":   unix.MS_BIND | unix.MS_REC,
	"bind":    unix.MS_BIND,
	"nosuid":  unix.MS_NOSUID,
	"nodev":   unix.MS_NODEV,
	"noexec":  unix.MS_NOEXEC,
	"private": unix.MS_PRIVATE,
}

// Apply mounts m on target. It is the one place that performs the mounts
// that snapshots describe. Runs in the calling thread's mount namespace.
//
// An overlay whose options do not fit in a page (many layers with long
// paths) is mounted through the new mount API (fsopen/fsconfig), giving
// overlayfs one lower directory at a time with "lowerdir+" (Linux 6.8+),
// so there is no limit on layers but overlayfs's own (500).
func (m Mount) Apply(target string) error {
	var flags uintptr
	var data []string
	for _, o := range m.Options {
		if f, ok := mountFlags[o]; ok {
			flags |= f
		} else {
			data = append(data, o)
		}
	}
	joined := strings.Join(data, ",")
	if m.Type == "overlay" && len(joined) >= os.Getpagesize()-1 {
		return m.applyFsconfig(target, flags&unix.MS_RDONLY != 0)
	}
	if m.Type == "bind" {
		// A read-only bind mount takes a second, remounting call.
		if err := unix.Mount(m.Source, target, "", flags&^unix.MS_RDONLY, ""); err != nil {
			return fmt.Errorf("mount %s on %s: %w", m, target, err)
		}
		if flags&unix.MS_RDONLY != 0 {
			if err := unix.Mount("", target, "", flags|unix.MS_REMOUNT, ""); err != nil {
				_ = unix.Unmount(target, unix.MNT_DETACH)
				return fmt.Errorf("remount %s read-only: %w", target, err)
			}
		}
		return nil
	}
	if err := unix.Mount(m.Source, target, m.Type, flags, joined); err != nil {
		return fmt.Errorf("mount %s on %s: %w", m, target, err)
	}
	return nil
}

func (m Mount) applyFsconfig(target string, readonly bool) error {
	fsfd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return fmt.Errorf("mount %s: fsopen: %w", target, err)
	}
	defer unix.Close(fsfd)
	set := func(key, value string) error {
		if err := unix.FsconfigSetString(fsfd, key, value); err != nil {
			return fmt.Errorf("mount %s: overlay option %s=%s: %w", target, key, value, err)
		}
		return nil
	}
	for _, lower := range m.lowerDirs() {
		if err := set("lowerdir+", lower); err != nil {
			return err
		}
	}
	for _, o := range m.Options {
		k, v, ok := strings.Cut(o, "=")
		if !ok || k == "lowerdir" {
			continue
		}
		if err := set(k, v); err != nil {
			return err
		}
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return fmt.Errorf("mount %s: create overlay: %w", target, err)
	}
	var attrs int
	if readonly {
		attrs = unix.MOUNT_ATTR_RDONLY
	}
	mfd, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, attrs)
	if err != nil {
		return fmt.Errorf("mount %s: fsmount: %w", target, err)
	}
	defer unix.Close(mfd)
	if err := unix.MoveMount(mfd, "", unix.AT_FDCWD, target, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return fmt.Errorf("mount %s: move_mount: %w", target, err)
	}
	return nil
}

// Unmount detaches whatever is mounted on target. Not mounted is not an
// error.
func Unmount(target string) error {
	err := unix.Unmount(target, unix.MNT_DETACH)
	if err == nil || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
		return nil
	}
	return fmt.Errorf("unmount %s: %w", target, err)
}
