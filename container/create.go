//go:build linux

package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/berth-dev/berth/image"
	"github.com/berth-dev/berth/internal/plainfile"
	"github.com/berth-dev/berth/layer"
)

// Create makes a container from cfg without starting it: it resolves the
// image, command, environment and user, reserves the name, prepares the
// root filesystem and volumes, and holds the image so it cannot be
// removed under the container. On any error nothing is left behind.
func (r *Runtime) Create(ctx context.Context, cfg Config) (*Container, error) {
	if err := validateConfig(cfg); err != nil {
		return nil, fmt.Errorf("create container: %w", err)
	}
	images, err := r.imageStore(ctx)
	if err != nil {
		return nil, fmt.Errorf("create container: %w", err)
	}
	img, err := images.Get(ctx, cfg.Image)
	if err != nil {
		return nil, fmt.Errorf("create container: %w", err)
	}
	args, err := command(cfg, img.Config)
	if err != nil {
		return nil, fmt.Errorf("create container: %w", err)
	}
	id := newID()
	rec := &record{
		ID:         id,
		Created:    time.Now().UTC(),
		ImageID:    img.ID.String(),
		ImageRef:   cfg.Image,
		Config:     cfg,
		Path:       args[0],
		Args:       args[1:],
		WorkingDir: firstNonEmpty(cfg.WorkingDir, img.Config.WorkingDir, "/"),
		User:       firstNonEmpty(cfg.User, img.Config.User),
		Hostname:   firstNonEmpty(cfg.Hostname, id[:12]),
		StopSignal: firstNonEmpty(cfg.StopSignal, img.Config.StopSignal, "SIGTERM"),
		Volumes:    volumesOf(cfg, img.Config),
	}
	if !filepath.IsAbs(rec.WorkingDir) {
		return nil, fmt.Errorf("create container: the working directory '%s' is invalid, it needs to be an absolute path: %w", rec.WorkingDir, ErrInvalid)
	}
	if _, err := ParseSignal(rec.StopSignal); err != nil {
		return nil, fmt.Errorf("create container: image stop signal: %w", err)
	}
	rec.Env = containerEnv(cfg, img.Config, rec.Hostname)

	unlock, err := r.lock(ctx)
	if err != nil {
		return nil, fmt.Errorf("create container: %w", err)
	}
	defer unlock()
	// Everything is built in .tmp-ID, from before the name is taken, so
	// that the next Open can undo a create killed at any point.
	tmp := filepath.Join(r.dir, tmpPrefix+rec.ID)
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return nil, fmt.Errorf("create container: %w", err)
	}
	// Held until done, so that another program's Open leaves it alone.
	if unlockDir, ok := tryLockDir(tmp); ok {
		defer unlockDir()
	}
	err = r.reserveName(rec, cfg.Name)
	if err == nil {
		err = r.materialize(ctx, rec, img)
	}
	if err != nil {
		r.undoCreate(context.WithoutCancel(ctx), rec)
		return nil, fmt.Errorf("create container: %w", err)
	}
	return &Container{rt: r, id: id}, nil
}

// reserveName takes name (or a generated one) for rec, atomically across
// processes. The claim, a file holding the ID, is written in .tmp-ID and
// linked to names/NAME, which fails if the name is taken: names/NAME is
// never seen empty, and a create killed before its config records the
// name is undone by finding the claim's other link (nameOfClaim).
func (r *Runtime) reserveName(rec *record, name string) error {
	claim := filepath.Join(r.dir, tmpPrefix+rec.ID, nameClaimFile)
	if err := plainfile.WriteFile(claim, []byte(rec.ID), 0o600); err != nil {
		return err
	}
	for retry := 0; ; retry++ {
		n := name
		if n == "" {
			n = GenerateName(retry)
		}
		err := os.Link(claim, filepath.Join(r.dir, namesDir, n))
		if errors.Is(err, os.ErrExist) && r.staleName(n) {
			retry--
			continue
		}
		if errors.Is(err, os.ErrExist) {
			if name == "" && retry < 10 {
				continue
			}
			owner, _ := plainfile.ReadFile(filepath.Join(r.dir, namesDir, n))
			return fmt.Errorf("the container name \"/%s\" is already in use by container \"%s\". You have to remove (or rename) that container to be able to reuse that name: %w", n, owner, ErrConflict)
		}
		if err != nil {
			return err
		}
		rec.Name = n
		return nil
	}
}

// nameOfClaim finds the name linked to the claim in dir, for a create
// killed between taking the name and recording it. It reads the names
// only when the claim has a second link.
func (r *Runtime) nameOfClaim(dir string) string {
	claim, err := os.Stat(filepath.Join(dir, nameClaimFile))
	if err != nil {
		return ""
	}
	if st, ok := claim.Sys().(*syscall.Stat_t); !ok || st.Nlink < 2 {
		return ""
	}
	entries, err := os.ReadDir(filepath.Join(r.dir, namesDir))
	if err != nil {
		return ""
	}
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && os.SameFile(fi, claim) {
			return e.Name()
		}
	}
	return ""
}

// staleName removes names/name when its container does not exist (a
// create or remove was killed between the name and the directory) and
// reports whether it did. The caller holds the runtime lock, which every
// create holds from reserving the name to renaming the directory into
// place, so no create is half-way.
func (r *Runtime) staleName(name string) bool {
	p := filepath.Join(r.dir, namesDir, name)
	id, err := plainfile.ReadFile(p)
	if err != nil || !isHex(string(id)) {
		return false
	}
	for _, dir := range []string{string(id), tmpPrefix + string(id)} {
		if _, err := os.Stat(filepath.Join(r.dir, dir)); !errors.Is(err, os.ErrNotExist) {
			return false
		}
	}
	return os.Remove(p) == nil
}

// materialize fills rec's directory, .tmp-ID, and takes what the
// container uses: the image hold, the snapshot, the volumes. The config
// is written first, so an interrupted create can be undone from it by the
// next Open, and the directory is renamed into place last.
func (r *Runtime) materialize(ctx context.Context, rec *record, img *image.Image) error {
	tmp := filepath.Join(r.dir, tmpPrefix+rec.ID)
	if err := writeJSONAtomic(filepath.Join(tmp, configFile), rec); err != nil {
		return err
	}
	images, err := r.imageStore(ctx)
	if err != nil {
		return err
	}
	if err := images.Hold(ctx, img.ID, rec.ID); err != nil {
		return err
	}
	var dirs []string
	for _, l := range img.Layers {
		dirs = append(dirs, l.Dir)
	}
	dirs = append(dirs, filepath.Join(r.dir, initLayerName))
	// Made in tmp, beside the container's files (layer.StageIn).
	mounts, err := r.snap.Prepare(ctx, rec.ID, dirs, layer.StageIn(tmp))
	if err != nil {
		return err
	}
	rec.Rootfs = mounts
	for i := range rec.Volumes {
		m := &rec.Volumes[i]
		if m.Type != MountVolume {
			continue
		}
		v, err := r.volumes.Create(ctx, m.Source, nil)
		if err != nil {
			return err
		}
		m.Source = v.Name
		// Recorded before it is acquired, so an undo releases it.
		if err := writeJSONAtomic(filepath.Join(tmp, configFile), rec); err != nil {
			return err
		}
		if err := r.volumes.Acquire(ctx, v.Name, rec.ID); err != nil {
			return err
		}
	}
	if err := os.Mkdir(filepath.Join(tmp, rootfsDirName), 0o755); err != nil {
		return err
	}
	if err := writeHostFiles(tmp, rec); err != nil {
		return err
	}
	if err := writeJSONAtomic(filepath.Join(tmp, configFile), rec); err != nil {
		return err
	}
	if err := writeJSONAtomic(filepath.Join(tmp, stateFile), &State{Status: StatusCreated}); err != nil {
		return err
	}
	return os.Rename(tmp, r.containerDir(rec.ID))
}

// undoCreate releases what a failed or interrupted create took. It works
// from rec as far as it got; every step tolerates what is already gone.
func (r *Runtime) undoCreate(ctx context.Context, rec *record) {
	r.release(ctx, rec, true)
	_ = os.RemoveAll(filepath.Join(r.dir, tmpPrefix+rec.ID))
}

// release gives back what a container holds: volumes (anonymous ones
// removed when removeAnonymous), the snapshot, the image hold and the
// name.
func (r *Runtime) release(ctx context.Context, rec *record, removeAnonymous bool) {
	// The snapshot's files are the slow part: deleted meanwhile.
	var snapshotGone sync.WaitGroup
	snapshotGone.Go(func() { _ = r.snap.Remove(ctx, rec.ID) })
	defer snapshotGone.Wait()
	for _, m := range rec.Volumes {
		if m.Type != MountVolume || m.Source == "" {
			continue
		}
		_ = r.volumes.Release(ctx, m.Source, rec.ID)
		if m.Anonymous && removeAnonymous {
			_ = r.volumes.Remove(ctx, m.Source, false)
		}
	}
	if h, err := parseHash(rec.ImageID); err == nil {
		if images, err := r.imageStore(ctx); err == nil {
			_ = images.Release(ctx, h, rec.ID)
		}
	}
	if rec.Name != "" {
		p := filepath.Join(r.dir, namesDir, rec.Name)
		if b, err := plainfile.ReadFile(p); err == nil && string(b) == rec.ID {
			_ = os.Remove(p)
		}
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
