package image

import (
	"context"
	"fmt"
	"path"
	"slices"
	"sort"
)

// Get finds an image by name ("redis", "redis:7", "host/repo@sha256:..."),
// full ID, or unique ID prefix (with or without "sha256:").
func (s *Store) Get(ctx context.Context, nameOrID string) (*Image, error) {
	idx, err := s.readIndex()
	if err != nil {
		return nil, fmt.Errorf("get image %s: %w", nameOrID, err)
	}
	res, err := resolve(idx, nameOrID)
	if err != nil {
		return nil, err
	}
	img, err := s.imageOf(res.id, idx.Images[res.id])
	if err != nil && s.changedSince(idx, res.id) {
		// Removed, or its name moved, since the index was read: look again.
		return s.Get(ctx, nameOrID)
	}
	if err != nil {
		return nil, fmt.Errorf("get image %s: %w", nameOrID, err)
	}
	return img, nil
}

// changedSince reports whether image id's entry in the index now differs
// from the one in idx, an index read without a lock. Readers take no lock
// (see doc.go), so a Remove may delete an image and collect its blobs
// between the reader's reading of the index and of the blobs: the
// missing blobs then say that the image is gone, not that the store is
// corrupt.
func (s *Store) changedSince(idx *index, id string) bool {
	now, err := s.readIndex()
	if err != nil {
		return false
	}
	was, is := idx.Images[id], now.Images[id]
	return is == nil || was.Manifest != is.Manifest || !slices.Equal(was.RepoTags, is.RepoTags)
}

// ListOptions filter List, with docker images' --filter meanings.
type ListOptions struct {
	All       bool              // include intermediate images (no effect today: all stored images are top-level)
	Reference []string          // reference=PATTERN (glob on familiar name, e.g. "busy*", "*:1.0")
	Dangling  *bool             // dangling=true|false (no tags)
	Labels    map[string]string // label=key or label=key=value ("" value: key present)
	Before    string            // before=IMAGE
	Since     string            // since=IMAGE
}

// List returns images, newest first (by Created; ties by ID). With
// Reference patterns, an image is listed when one of its names matches,
// and only its matching names are kept in RepoTags and RepoDigests, as
// docker images shows them. A pattern matches either the whole familiar
// name ("busybox:latest") or its repository ("busybox").
func (s *Store) List(ctx context.Context, opts ListOptions) ([]*Image, error) {
	idx, err := s.readIndex()
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	for _, p := range opts.Reference {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("list images: reference filter %q: %v: %w", p, err, ErrInvalid)
		}
	}
	var before, since *Image
	if opts.Before != "" {
		if before, err = s.Get(ctx, opts.Before); err != nil {
			return nil, fmt.Errorf("list images: before filter: %w", err)
		}
	}
	if opts.Since != "" {
		if since, err = s.Get(ctx, opts.Since); err != nil {
			return nil, fmt.Errorf("list images: since filter: %w", err)
		}
	}
	var out []*Image
	for id, e := range idx.Images {
		img, err := s.imageOf(id, e)
		if err != nil && s.changedSince(idx, id) {
			return s.List(ctx, opts) // an image was removed meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("list images: %w", err)
		}
		if opts.Dangling != nil && img.Dangling() != *opts.Dangling {
			continue
		}
		if !labelsMatch(img.Config.Labels, opts.Labels) {
			continue
		}
		if before != nil && !img.Created.Before(before.Created) {
			continue
		}
		if since != nil && !img.Created.After(since.Created) {
			continue
		}
		if len(opts.Reference) > 0 {
			img.RepoTags = matchingNames(img.RepoTags, opts.Reference)
			img.RepoDigests = matchingNames(img.RepoDigests, opts.Reference)
			if len(img.RepoTags) == 0 && len(img.RepoDigests) == 0 {
				continue
			}
		}
		out = append(out, img)
	}
	sortNewestFirst(out)
	return out, nil
}

func sortNewestFirst(imgs []*Image) {
	sort.Slice(imgs, func(i, j int) bool {
		if !imgs[i].Created.Equal(imgs[j].Created) {
			return imgs[i].Created.After(imgs[j].Created)
		}
		return imgs[i].ID.Hex < imgs[j].ID.Hex
	})
}

// labelsMatch: every wanted key is present, with the wanted value unless
// that is "".
func labelsMatch(have, want map[string]string) bool {
	for k, v := range want {
		got, ok := have[k]
		if !ok || (v != "" && got != v) {
			return false
		}
	}
	return true
}

// matchingNames keeps the familiar names that one of the glob patterns
// matches, as docker's reference filter: the whole name or its repository.
func matchingNames(names, patterns []string) []string {
	var out []string
	for _, n := range names {
		for _, p := range patterns {
			whole, _ := path.Match(p, n)
			repo, _ := path.Match(p, familiarRepository(n))
			if whole || repo {
				out = append(out, n)
				break
			}
		}
	}
	return out
}
