package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"

	"github.com/berth-dev/berth/image"
	"github.com/berth-dev/berth/layer"
)

// CommitOptions are docker commit's flags.
type CommitOptions struct {
	// Ref names the new image ("repo" or "repo:tag"); empty leaves it
	// untagged, as docker commit without a name does. A digest reference
	// is ErrInvalid.
	Ref string
	// Author and Comment are recorded in the image (docker commit
	// --author and --message).
	Author  string
	Comment string
	// Pause is docker commit's --pause, which berth accepts and cannot
	// honour: it has no freezer yet, so a running container is always
	// committed live (see Commit).
	Pause bool
}

// Commit makes an image of the container's changes, as docker commit
// does: the container's image with one more layer, the changes of its
// root filesystem (the overlay snapshot's upper directory, turned into a
// layer by layer.Diff: new and changed files, deletions as whiteouts).
// Volumes and bind mounts are not part of it. Files in the layer carry the
// commit's time, not their own.
//
// The new image's config is the container's, as docker records it:
// its environment (the image's with the container's over it), entrypoint
// and command as the container ran them, working directory, user, stop
// signal and labels (the image's with the container's), and the image's
// exposed ports, volumes and health check. Its history gains an entry
// made by the container's command, with Author and Comment.
//
// A running container is committed without being paused: what it writes
// during the commit may or may not be in the layer. A stopped container
// cannot start until Commit has read its changes. Commit needs the
// overlay snapshotter (the copy snapshotter keeps no record of changes):
// without it, ErrNotSupported.
func (c *Container) Commit(ctx context.Context, opts CommitOptions) (*image.Image, error) {
	img, err := c.commit(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("commit container %s: %w", c.ShortID(), err)
	}
	return img, nil
}

func (c *Container) commit(ctx context.Context, opts CommitOptions) (*image.Image, error) {
	if strings.Contains(opts.Ref, "@") {
		return nil, fmt.Errorf("cannot commit to a digest reference %q: %w", opts.Ref, ErrInvalid)
	}
	rec, err := c.record()
	if err != nil {
		return nil, err
	}
	images, err := c.rt.imageStore(ctx)
	if err != nil {
		return nil, err
	}
	baseInfo, err := images.Get(ctx, rec.ImageID)
	if err != nil {
		return nil, err
	}
	base, err := images.V1Image(ctx, baseInfo)
	if err != nil {
		return nil, err
	}
	mediaType := types.DockerLayer
	if mt, err := base.MediaType(); err == nil && mt == types.OCIManifestSchema1 {
		mediaType = types.OCILayer
	}

	diff, err := os.CreateTemp(c.dir(), ".commit-*.tar.gz")
	if err != nil {
		return nil, err
	}
	defer os.Remove(diff.Name())
	defer diff.Close()
	created := time.Now().UTC().Truncate(time.Second)
	if err := c.writeChanges(ctx, diff, created); err != nil {
		return nil, err
	}
	lyr, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return os.Open(diff.Name()) },
		tarball.WithMediaType(mediaType))
	if err != nil {
		return nil, err
	}
	newImg, err := mutate.Append(base, mutate.Addendum{
		Layer:     lyr,
		MediaType: mediaType,
		History: v1.History{
			Created:   v1.Time{Time: created},
			CreatedBy: strings.Join(append([]string{rec.Path}, rec.Args...), " "),
			Author:    opts.Author,
			Comment:   opts.Comment,
		},
	})
	if err != nil {
		return nil, err
	}
	cf, err := newImg.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Created = v1.Time{Time: created}
	cf.Author = opts.Author
	cf.Container = c.id
	cf.Config = commitConfig(cf.Config, rec.Config)
	if newImg, err = mutate.ConfigFile(newImg, cf); err != nil {
		return nil, err
	}
	var names []string
	if opts.Ref != "" {
		names = append(names, opts.Ref)
	}
	return images.Write(ctx, newImg, names...)
}

// writeChanges writes the container's changes to w as a gzipped layer.
// A stopped container is locked meanwhile, so it cannot start and change
// its files under the diff.
func (c *Container) writeChanges(ctx context.Context, w io.Writer, modTime time.Time) error {
	upper, err := c.rt.snap.Changes(ctx, c.id)
	if errors.Is(err, layer.ErrNotSupported) {
		return fmt.Errorf("%w: %w", ErrNotSupported, err)
	}
	if err != nil {
		return err
	}
	st, err := c.state()
	if err != nil {
		return err
	}
	if st.Status != StatusRunning {
		unlock, err := c.lock(ctx)
		if err != nil {
			return err
		}
		defer unlock()
	}
	zw, err := gzip.NewWriterLevel(w, gzip.DefaultCompression)
	if err != nil {
		return err
	}
	if err := layer.Diff(ctx, upper, zw, layer.WithModTime(modTime)); err != nil {
		return err
	}
	return zw.Close()
}

// commitConfig is the config of an image committed from a container made
// with cfg from an image with config base, by docker's rules (which are
// Create's: see command and containerEnv). The environment is the
// configured one, without what the runtime adds at start (HOSTNAME, TERM,
// a default PATH).
func commitConfig(base v1.Config, cfg Config) v1.Config {
	out := base
	out.Env = mergeEnv(base.Env, cfg.Env)
	out.Entrypoint, out.Cmd = entrypointAndCmd(cfg, base.Entrypoint, base.Cmd)
	out.WorkingDir = firstNonEmpty(cfg.WorkingDir, base.WorkingDir)
	out.User = firstNonEmpty(cfg.User, base.User)
	out.StopSignal = firstNonEmpty(cfg.StopSignal, base.StopSignal)
	if len(base.Labels) > 0 || len(cfg.Labels) > 0 {
		out.Labels = maps.Clone(base.Labels)
		if out.Labels == nil {
			out.Labels = map[string]string{}
		}
		maps.Copy(out.Labels, cfg.Labels)
	}
	out.ExposedPorts = maps.Clone(base.ExposedPorts)
	out.Volumes = maps.Clone(base.Volumes)
	return out
}
