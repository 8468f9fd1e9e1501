package mount

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// flags maps the options that are flags of mount(2); the others are
// passed as data.
var flags = map[string]uintptr{
	"ro":      unix.MS_RDONLY,
	"rbind":   unix.MS_BIND | unix.MS_REC,
	"bind":    unix.MS_BIND,
	"nosuid":  unix.MS_NOSUID,
	"nodev":   unix.MS_NODEV,
	"noexec":  unix.MS_NOEXEC,
	"private": unix.MS_PRIVATE,
}

// Apply mounts a filesystem of type typ ("overlay", "bind", "tmpfs", ...)
// from source on target, with options. It runs in the calling thread's
// mount namespace.
func Apply(typ, source string, options []string, target string) error {
	var fl uintptr
	var data []string
	for _, o := range options {
		if f, ok := flags[o]; ok {
			fl |= f
		} else {
			data = append(data, o)
		}
	}
	joined := strings.Join(data, ",")
	if typ == "overlay" && len(joined) >= os.Getpagesize()-1 {
		return applyFsconfig(options, target, fl&unix.MS_RDONLY != 0)
	}
	if typ == "bind" {
		// A read-only bind mount takes a second, remounting call.
		if err := unix.Mount(source, target, "", fl&^unix.MS_RDONLY, ""); err != nil {
			return fmt.Errorf("mount %s on %s: %w", describe(typ, source, options), target, err)
		}
		if fl&unix.MS_RDONLY != 0 {
			if err := unix.Mount("", target, "", fl|unix.MS_REMOUNT, ""); err != nil {
				_ = unix.Unmount(target, unix.MNT_DETACH)
				return fmt.Errorf("remount %s read-only: %w", target, err)
			}
		}
		return nil
	}
	err := unix.Mount(source, target, typ, fl, joined)
	if errors.Is(err, unix.EINVAL) && typ == "overlay" && slices.Contains(data, "volatile") {
		// Before Linux 5.10 overlayfs has no volatile mounts: an
		// ordinary one does.
		return Apply(typ, source, slices.DeleteFunc(slices.Clone(options), func(o string) bool { return o == "volatile" }), target)
	}
	if err != nil {
		return fmt.Errorf("mount %s on %s: %w", describe(typ, source, options), target, err)
	}
	return nil
}

// applyFsconfig mounts an overlay through fsopen/fsconfig, one lower
// directory at a time.
func applyFsconfig(options []string, target string, readonly bool) error {
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
	for _, lower := range LowerDirs(options) {
		if err := set("lowerdir+", lower); err != nil {
			return err
		}
	}
	for _, o := range options {
		k, v, ok := strings.Cut(o, "=")
		if !ok && k == "volatile" {
			if err := unix.FsconfigSetFlag(fsfd, k); err != nil {
				return fmt.Errorf("mount %s: overlay option %s: %w", target, k, err)
			}
			continue
		}
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
