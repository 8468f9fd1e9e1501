package image

import (
	"context"
	"fmt"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// RemoveReport lists what Remove did, as docker rmi prints it.
type RemoveReport struct {
	Untagged []string // "redis:latest", "redis@sha256:..."
	Deleted  []v1.Hash
}

// Remove removes an image by name or ID, with docker rmi's rules:
//   - By name, it untags that name, and deletes the image when no tag is
//     left (untagging its repo digests too).
//   - By ID, it untags every name and deletes the image, but refuses with
//     ErrConflict when the tags span several repositories, unless force.
//   - An image held by a container (Hold) is refused with ErrInUse when it
//     would be deleted. With force it is untagged but kept, dangling, while
//     held, so the container keeps its root filesystem; Prune deletes it
//     once released.
//
// Blobs no image references any more are deleted.
func (s *Store) Remove(ctx context.Context, nameOrID string, force bool) (RemoveReport, error) {
	var report RemoveReport
	err := s.updateAndCollect(ctx, func(idx *index) (bool, error) {
		res, err := resolve(idx, nameOrID)
		if err != nil {
			return false, err
		}
		e := idx.Images[res.id]
		holder, held := s.holder(res.id, e)
		if res.byName != "" {
			isDigest := strings.Contains(res.byName, "@")
			tagsLeft := len(e.RepoTags)
			if !isDigest {
				tagsLeft--
			}
			if tagsLeft == 0 && held && !force {
				return false, fmt.Errorf("unable to remove %s: image %s is used by container %s: %w", res.byName, shortHex(res.id), shortHex(holder), ErrInUse)
			}
			if isDigest {
				e.RepoDigests = slices.DeleteFunc(e.RepoDigests, func(d string) bool { return d == res.byName })
			} else {
				e.RepoTags = slices.DeleteFunc(e.RepoTags, func(t string) bool { return t == res.byName })
			}
			report.Untagged = append(report.Untagged, res.byName)
			if len(e.RepoTags) > 0 || (isDigest && len(e.RepoDigests) > 0) {
				return false, nil
			}
		} else {
			if repos := repositoriesOf(e.RepoTags); len(repos) > 1 && !force {
				return false, fmt.Errorf("unable to delete %s (must be forced): image is referenced in multiple repositories: %w", shortHex(res.id), ErrConflict)
			}
			if held && !force {
				return false, fmt.Errorf("unable to delete %s: image is used by container %s: %w", shortHex(res.id), shortHex(holder), ErrInUse)
			}
			report.Untagged = append(report.Untagged, e.RepoTags...)
		}
		report.Untagged = append(report.Untagged, e.RepoDigests...)
		if held {
			// Forced, but a container uses it: untag it and keep it
			// (dangling) while held, so the container can still start;
			// prune deletes it once no container holds it. Docker
			// deletes it and leaves the container unable to restart.
			e.RepoTags, e.RepoDigests = nil, nil
			return true, nil
		}
		delete(idx.Images, res.id)
		s.dropAnchor(res.id)
		h, _ := v1.NewHash(res.id)
		report.Deleted = append(report.Deleted, h)
		return true, nil
	})
	if err != nil {
		return RemoveReport{}, fmt.Errorf("remove image %s: %w", nameOrID, err)
	}
	return report, nil
}

// PruneOptions: docker image prune; All removes every image no container holds,
// otherwise only dangling ones.
type PruneOptions struct {
	All    bool
	Labels map[string]string
}

// Prune removes unused images and returns what it removed and the bytes
// reclaimed: the size of the blobs that no remaining image references.
func (s *Store) Prune(ctx context.Context, opts PruneOptions) (RemoveReport, int64, error) {
	var report RemoveReport
	var reclaimed int64
	err := s.updateAndCollect(ctx, func(idx *index) (bool, error) {
		removedBlobs := map[v1.Hash]bool{}
		for id, e := range idx.Images {
			if _, held := s.holder(id, e); held || (!opts.All && len(e.RepoTags) > 0) {
				continue
			}
			if len(opts.Labels) > 0 {
				img, err := s.imageOf(id, e)
				if err != nil {
					return false, err
				}
				if !labelsMatch(img.Config.Labels, opts.Labels) {
					continue
				}
			}
			one := &index{Images: map[string]*indexEntry{id: e}}
			blobs, err := s.referencedBlobs(one)
			if err != nil {
				return false, err
			}
			for h := range blobs {
				removedBlobs[h] = true
			}
			report.Untagged = append(report.Untagged, e.RepoTags...)
			report.Untagged = append(report.Untagged, e.RepoDigests...)
			h, _ := v1.NewHash(id)
			report.Deleted = append(report.Deleted, h)
			delete(idx.Images, id)
			s.dropAnchor(id)
		}
		if len(report.Deleted) == 0 {
			return false, nil
		}
		var err error
		reclaimed, err = s.unreferencedSize(idx, removedBlobs)
		return true, err
	})
	if err != nil {
		return RemoveReport{}, 0, fmt.Errorf("prune images: %w", err)
	}
	slices.SortFunc(report.Deleted, func(a, b v1.Hash) int { return strings.Compare(a.Hex, b.Hex) })
	return report, reclaimed, nil
}

// Hold records that holder (a container ID: a file name, not starting
// with a dot) uses image id; Remove refuses it until Release. Holds
// persist across Open and survive the program's crash (see holds.go). They
// are made without waiting for the disk: like the container records that
// make them, a power loss may lose the last few. Holds are made side by
// side, under the index lock taken shared: Remove and Prune, which take it
// exclusively, see every hold made before them and none during.
func (s *Store) Hold(ctx context.Context, id v1.Hash, holder string) error {
	if !validHolder(holder) {
		return fmt.Errorf("hold image %s: holder %q: %w", id, holder, ErrInvalid)
	}
	f, err := s.lockFile(ctx, indexLockName, false, true)
	if err != nil {
		return fmt.Errorf("hold image %s for %s: %w", id, holder, err)
	}
	defer f.Close()
	idx, err := s.readIndex()
	if err == nil {
		if _, ok := idx.Images[id.String()]; !ok {
			err = ErrNotFound
		}
	}
	if err == nil {
		err = s.link(id.Hex, holder)
	}
	if err != nil {
		return fmt.Errorf("hold image %s for %s: %w", id, holder, err)
	}
	return nil
}

// Release drops a hold made by Hold. Releasing an unknown hold is not an error.
func (s *Store) Release(ctx context.Context, id v1.Hash, holder string) error {
	if validHolder(holder) {
		linked, err := s.unlink(id.Hex, holder)
		if err != nil {
			return fmt.Errorf("release image %s for %s: %w", id, holder, err)
		}
		if linked {
			return nil
		}
	}
	// A hold an earlier version recorded in the index.
	idx, err := s.readIndex()
	if err != nil {
		return fmt.Errorf("release image %s for %s: %w", id, holder, err)
	}
	if e, ok := idx.Images[id.String()]; !ok || !slices.Contains(e.Holds, holder) {
		return nil
	}
	err = s.updateSync(ctx, func(idx *index) error {
		if e, ok := idx.Images[id.String()]; ok {
			e.Holds = slices.DeleteFunc(e.Holds, func(h string) bool { return h == holder })
		}
		return nil
	}, false)
	if err != nil {
		return fmt.Errorf("release image %s for %s: %w", id, holder, err)
	}
	return nil
}

// updateAndCollect is update followed, still under the index lock, by a
// blob collection when fn reports that it dropped an image.
func (s *Store) updateAndCollect(ctx context.Context, fn func(*index) (bool, error)) error {
	return s.withIndexLock(ctx, func() error {
		idx, err := s.readIndex()
		if err != nil {
			return err
		}
		collect, err := fn(idx)
		if err != nil {
			return err
		}
		if err := s.writeIndex(idx); err != nil {
			return err
		}
		if !collect {
			return nil
		}
		return s.collectGarbage(ctx, idx)
	})
}

func repositoriesOf(tags []string) map[string]bool {
	repos := map[string]bool{}
	for _, t := range tags {
		repos[familiarRepository(t)] = true
	}
	return repos
}

// shortHex is the 12-hex short form of an ID or holder string.
func shortHex(s string) string {
	s = strings.TrimPrefix(s, "sha256:")
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
