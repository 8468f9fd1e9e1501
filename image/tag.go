package image

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/go-containerregistry/pkg/name"
)

// Tag gives the image src the additional name dst. If dst named another
// image, it moves; that image stays, dangling if it has no name left.
func (s *Store) Tag(ctx context.Context, src, dst string) error {
	tag, err := normalizeTag(dst)
	if err != nil {
		return fmt.Errorf("tag %s %s: %w", src, dst, err)
	}
	err = s.update(ctx, func(idx *index) error {
		res, err := resolve(idx, src)
		if err != nil {
			return err
		}
		idx.addTag(res.id, tag)
		return nil
	})
	if err != nil {
		return fmt.Errorf("tag %s %s: %w", src, dst, err)
	}
	return nil
}

// Untag removes one name (a tag, or a repo digest for "repo@sha256:...").
// The image stays, dangling if it was its last name.
func (s *Store) Untag(ctx context.Context, ref string) error {
	parsed, err := parseReference(ref)
	if err != nil {
		return fmt.Errorf("untag %s: %w", ref, err)
	}
	fam := familiarName(parsed)
	_, isDigest := parsed.(name.Digest)
	err = s.update(ctx, func(idx *index) error {
		for _, e := range idx.Images {
			names := &e.RepoTags
			if isDigest {
				names = &e.RepoDigests
			}
			if i := slices.Index(*names, fam); i >= 0 {
				*names = slices.Delete(*names, i, i+1)
				return nil
			}
		}
		return fmt.Errorf("no image named %s: %w", fam, ErrNotFound)
	})
	if err != nil {
		return fmt.Errorf("untag %s: %w", ref, err)
	}
	return nil
}
