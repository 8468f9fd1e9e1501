package layer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/berth-dev/berth/internal/plainfile"
)

// A Snapshotter makes the root filesystem of a container, or a read-only
// view of an image, from unpacked layer directories.
//
// Vocabulary, as in containerd: a snapshot is named by a key. An active
// snapshot (Prepare) is writable: its changes land in its own directory
// and Diff turns them into a layer. A view (View) is read-only. Parents
// are layer directories, bottom-most first, as an image lists its layers.
//
// Snapshotters only create and delete directories; they return the mounts
// to perform as values, and Mount.Apply performs them. Two implement it:
// the overlay snapshotter (overlayfs, copy-on-write, instant) and the copy
// snapshotter, for filesystems or kernels without overlayfs, which copies
// the layers into a directory of the snapshot's own.
type Snapshotter interface {
	// Prepare creates an active snapshot over parents and returns how to mount it.
	Prepare(ctx context.Context, key string, parents []string, opts ...PrepareOption) ([]Mount, error)
	// View creates a read-only snapshot over parents and returns how to mount it.
	View(ctx context.Context, key string, parents []string) ([]Mount, error)
	// Changes returns the directory whose content are the changes of an
	// active snapshot in overlayfs's upper-directory form (for Diff).
	Changes(ctx context.Context, key string) (string, error)
	// Remove deletes a snapshot; its mounts must be unmounted first.
	// Removing a missing snapshot is not an error.
	Remove(ctx context.Context, key string) error
}

// PrepareOption changes how Prepare makes a snapshot.
type PrepareOption func(*prepareOptions)

type prepareOptions struct {
	stage string
}

// StageIn has Prepare make the snapshot's directory in dir, a directory
// on the snapshotter's filesystem, and move it into place once it is
// made. ext4 puts a new directory in its parent's block group, except in
// a directory marked to spread its subdirectories (chattr +T, as a
// container runtime marks its own), where it first compares every block
// group of the filesystem (0.15 ms on a 250 GB disk). Made in a
// container's own new directory, its snapshot lands beside the
// container's files without that search, and a create killed half-way
// leaves the half-made snapshot in the directory it undoes. Snapshotters
// that have no use for it (the copy snapshotter) ignore it.
func StageIn(dir string) PrepareOption {
	return func(o *prepareOptions) { o.stage = dir }
}

// checkKey accepts keys matching ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$ (by
// hand: a compiled regexp of this bounded repetition costs every program
// that imports the package 0.2 ms at start).
func checkKey(key string) error {
	ok := len(key) > 0 && len(key) <= 128
	for i := 0; ok && i < len(key); i++ {
		c := key[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		ok = alnum || i > 0 && (c == '_' || c == '.' || c == '-')
	}
	if !ok {
		return fmt.Errorf("%w: snapshot key %q", ErrInvalid, key)
	}
	return nil
}

// reversed returns parents top-most first, as overlayfs's lowerdir wants.
func reversed(parents []string) []string {
	out := make([]string, len(parents))
	for i, p := range parents {
		out[len(parents)-1-i] = p
	}
	return out
}

// OverlaySnapshotter keeps snapshots under a root directory:
// ROOT/KEY/upper and ROOT/KEY/work.
type OverlaySnapshotter struct{ root string }

// NewOverlaySnapshotter returns an overlay snapshotter keeping its
// snapshots under root.
func NewOverlaySnapshotter(root string) (*OverlaySnapshotter, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("overlay snapshotter: %w", err)
	}
	return &OverlaySnapshotter{root: root}, nil
}

func (s *OverlaySnapshotter) Prepare(ctx context.Context, key string, parents []string, opts ...PrepareOption) ([]Mount, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	var o prepareOptions
	for _, opt := range opts {
		opt(&o)
	}
	dir := filepath.Join(s.root, key)
	made := dir
	if o.stage != "" {
		made = filepath.Join(o.stage, "snapshot-"+key)
	}
	if err := os.Mkdir(made, 0o700); err != nil {
		return nil, fmt.Errorf("prepare snapshot %s: %w", key, err)
	}
	for _, d := range []string{"upper", "work"} {
		if err := os.Mkdir(filepath.Join(made, d), 0o755); err != nil {
			_ = os.RemoveAll(made)
			return nil, fmt.Errorf("prepare snapshot %s: %w", key, err)
		}
	}
	if made != dir {
		if err := renameNoReplace(made, dir); err != nil {
			_ = os.RemoveAll(made)
			return nil, fmt.Errorf("prepare snapshot %s: %w", key, err)
		}
	}
	upper, work := filepath.Join(dir, "upper"), filepath.Join(dir, "work")
	if len(parents) == 0 {
		return []Mount{Bind(upper, false)}, nil
	}
	return []Mount{Overlay(reversed(parents), upper, work)}, nil
}

func (s *OverlaySnapshotter) View(ctx context.Context, key string, parents []string) ([]Mount, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	dir := filepath.Join(s.root, key)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, fmt.Errorf("view snapshot %s: %w", key, err)
	}
	if len(parents) == 0 {
		empty := filepath.Join(dir, "empty")
		if err := os.Mkdir(empty, 0o755); err != nil {
			return nil, fmt.Errorf("view snapshot %s: %w", key, err)
		}
		return []Mount{Bind(empty, true)}, nil
	}
	return []Mount{Overlay(reversed(parents), "", "")}, nil
}

func (s *OverlaySnapshotter) Changes(ctx context.Context, key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	upper := filepath.Join(s.root, key, "upper")
	if _, err := os.Stat(upper); err != nil {
		return "", fmt.Errorf("changes of snapshot %s: %w", key, err)
	}
	return upper, nil
}

func (s *OverlaySnapshotter) Remove(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(s.root, key)); err != nil {
		return fmt.Errorf("remove snapshot %s: %w", key, err)
	}
	return nil
}

// NewSnapshotter returns the overlay snapshotter when the kernel has
// overlayfs, the copy snapshotter otherwise, keeping snapshots under root.
func NewSnapshotter(root string) (Snapshotter, error) {
	if overlaySupported() {
		return NewOverlaySnapshotter(root)
	}
	return NewCopySnapshotter(root)
}

// overlaySupported reports whether /proc/filesystems lists overlay.
func overlaySupported() bool {
	b, err := plainfile.ReadFile("/proc/filesystems")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(strings.TrimPrefix(line, "nodev")) == "overlay" {
			return true
		}
	}
	return false
}
