package container

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/berth-dev/berth/internal/plainfile"
)

// The init layer: a read-only layer, shared by every container of a
// runtime, stacked on the image's layers. It holds the mount points the
// mount plan needs and images often lack (/proc, /dev, /sys, and the
// /etc files berth manages), like Docker's per-container "-init" layer
// but made once per root. Without it every container's writable layer
// would get these entries at start and delete them at removal: about
// 1 ms of each run --rm on ext4, which is slow to create and remove
// directories. Commit does not see them either, as they are not changes
// the container made.
//
// Its name carries a version: a different set of entries is a new layer,
// and containers made with an older one keep it.
const initLayerName = "init-v1"

var (
	initLayerDirs  = []string{"proc", "dev", "sys", "etc"}
	initLayerFiles = []string{"etc/" + hostsFile, "etc/" + hostnameFile, "etc/" + resolvFile}
)

// ensureInitLayer creates the init layer when missing; the caller holds
// the runtime lock. It is built aside and renamed into place, so it is
// complete whenever it exists.
func (r *Runtime) ensureInitLayer() error {
	dir := filepath.Join(r.dir, initLayerName)
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	tmp := filepath.Join(r.dir, ".build-"+initLayerName)
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("init layer: %w", err)
	}
	err := os.Mkdir(tmp, 0o755)
	for _, d := range initLayerDirs {
		if err == nil {
			err = os.Mkdir(filepath.Join(tmp, d), 0o755)
		}
	}
	for _, f := range initLayerFiles {
		if err == nil {
			err = plainfile.WriteFile(filepath.Join(tmp, f), nil, 0o644)
		}
	}
	if err == nil {
		err = os.Rename(tmp, dir)
	}
	if err != nil {
		_ = os.RemoveAll(tmp)
		if errors.Is(err, os.ErrExist) {
			return nil
		}
		return fmt.Errorf("init layer: %w", err)
	}
	return nil
}
