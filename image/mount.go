package image

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/moby/sys/mountinfo"

	"github.com/berth-dev/berth/layer"
)

// Names for image mounts.
const (
	mountsDirName  = "mounts"     // mounts/<id hex>: where images are mounted
	mountLockName  = "mount.lock" // exclusive flock around Mount and Unmount
	mountHolder    = "image-mount"
	snapshotPrefix = "image-"
)

// Mount makes a read-only union of the image's layers — what a container
// of it starts from — and returns its path, as podman image mount does.
// The mount outlives the process (it is in the caller's mount namespace)
// until Unmount; meanwhile the image is held, so Remove refuses it.
// Mounting a mounted image returns the same path.
func (s *Store) Mount(ctx context.Context, nameOrID string) (string, error) {
	img, err := s.Get(ctx, nameOrID)
	if err != nil {
		return "", fmt.Errorf("mount image %s: %w", nameOrID, err)
	}
	target := s.mountPath(img)
	err = s.withMountLock(ctx, func(snap layer.Snapshotter) error {
		if mounted, err := mountinfo.Mounted(target); err == nil && mounted {
			return nil
		}
		if err := s.Hold(ctx, img.ID, mountHolder); err != nil {
			return err
		}
		key := snapshotPrefix + img.ID.Hex
		_ = snap.Remove(ctx, key) // left by an earlier, interrupted mount
		var dirs []string
		for _, l := range img.Layers {
			dirs = append(dirs, l.Dir)
		}
		mounts, err := snap.View(ctx, key, dirs)
		if err == nil {
			err = os.MkdirAll(target, 0o755)
		}
		if err == nil {
			err = applyMounts(mounts, target)
		}
		if err != nil {
			_ = snap.Remove(ctx, key)
			_ = s.Release(context.WithoutCancel(ctx), img.ID, mountHolder)
			return err
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("mount image %s: %w", nameOrID, err)
	}
	return target, nil
}

// Unmount releases a mount made by Mount. Unmounting an image that is not
// mounted is not an error.
func (s *Store) Unmount(ctx context.Context, nameOrID string) error {
	img, err := s.Get(ctx, nameOrID)
	if err != nil {
		return fmt.Errorf("unmount image %s: %w", nameOrID, err)
	}
	target := s.mountPath(img)
	err = s.withMountLock(ctx, func(snap layer.Snapshotter) error {
		if err := layer.Unmount(target); err != nil {
			return err
		}
		if err := os.Remove(target); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := snap.Remove(ctx, snapshotPrefix+img.ID.Hex); err != nil {
			return err
		}
		return s.Release(ctx, img.ID, mountHolder)
	})
	if err != nil {
		return fmt.Errorf("unmount image %s: %w", nameOrID, err)
	}
	return nil
}

func (s *Store) mountPath(img *Image) string {
	return filepath.Join(s.dir, mountsDirName, img.ID.Hex)
}

// withMountLock runs fn with the mount lock held and the store's
// snapshotter, so that two processes do not mount one image twice.
func (s *Store) withMountLock(ctx context.Context, fn func(layer.Snapshotter) error) error {
	f, err := s.lockFile(ctx, mountLockName, true, true)
	if err != nil {
		return err
	}
	defer f.Close()
	snap, err := layer.NewSnapshotter(filepath.Join(s.dir, mountsDirName, "snapshots"))
	if err != nil {
		return err
	}
	return fn(snap)
}

// applyMounts performs mounts on target, undoing them all if one fails.
func applyMounts(mounts []layer.Mount, target string) error {
	for i, m := range mounts {
		if err := m.Apply(target); err != nil {
			for j := i - 1; j >= 0; j-- {
				_ = layer.Unmount(target)
			}
			return err
		}
	}
	return nil
}
