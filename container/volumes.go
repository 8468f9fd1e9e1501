//go:build linux

package container

import (
	"context"
	"errors"

	"github.com/berth-dev/berth/internal/volume"
)

// Volume is a named or anonymous volume, as docker volume inspect shows it.
type Volume = volume.Volume

// VolumeFilter selects volumes, as docker volume ls's filters: dangling,
// name, label.
type VolumeFilter = volume.Filter

// volumeErr wraps a volume store error so that the package's sentinels
// match it too.
func volumeErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, volume.ErrNotFound):
		return withSentinel(err, ErrNotFound)
	case errors.Is(err, volume.ErrInUse):
		return withSentinel(err, ErrInUse)
	case errors.Is(err, volume.ErrInvalid):
		return withSentinel(err, ErrInvalid)
	}
	return err
}

// withSentinel makes err match sentinel too, keeping err's text.
func withSentinel(err, sentinel error) error { return sentinelError{err, sentinel} }

type sentinelError struct{ err, sentinel error }

func (e sentinelError) Error() string   { return e.err.Error() }
func (e sentinelError) Unwrap() []error { return []error{e.err, e.sentinel} }

// CreateVolume creates a named volume (or an anonymous one for an empty
// name). Creating an existing volume returns it, as docker does.
func (r *Runtime) CreateVolume(ctx context.Context, name string, labels map[string]string) (*Volume, error) {
	v, err := r.volumes.Create(ctx, name, labels)
	return v, volumeErr(err)
}

// Volume returns the named volume.
func (r *Runtime) Volume(ctx context.Context, name string) (*Volume, error) {
	v, err := r.volumes.Get(ctx, name)
	return v, volumeErr(err)
}

// Volumes lists the volumes f selects.
func (r *Runtime) Volumes(ctx context.Context, f VolumeFilter) ([]*Volume, error) {
	vs, err := r.volumes.List(ctx, f)
	return vs, volumeErr(err)
}

// RemoveVolume deletes a volume no container uses (ErrInUse otherwise,
// even with force; force only makes a missing volume not an error).
func (r *Runtime) RemoveVolume(ctx context.Context, name string, force bool) error {
	return volumeErr(r.volumes.Remove(ctx, name, force))
}

// PruneVolumes removes unused anonymous volumes (all unused ones with
// all), as docker volume prune, and returns their names and the bytes
// freed.
func (r *Runtime) PruneVolumes(ctx context.Context, all bool) ([]string, int64, error) {
	names, n, err := r.volumes.Prune(ctx, all)
	return names, n, volumeErr(err)
}
