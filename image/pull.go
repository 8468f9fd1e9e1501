package image

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/berth-dev/berth/registryclient"
)

// Pull fetches ref, verifies every blob and records the image under ref's
// name, with the RepoDigest repo@<digest of the manifest or index resolved>.
// Blobs already in the store are not fetched again (reported as Skipped to
// the WithProgress callback); up to four layers download at once, each
// streamed straight into the store while hashed. A failed pull leaves the
// index unchanged and no partial download behind.
func (s *Store) Pull(ctx context.Context, ref string, opts ...registryclient.CallOption) (*Image, error) {
	parsed, err := parseReference(ref)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", ref, err)
	}
	reg, err := s.registryClient()
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", ref, err)
	}
	img, desc, err := reg.Image(ctx, parsed, opts...)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", ref, err)
	}
	item := writeItem{img: img}
	if _, ok := parsed.(name.Tag); ok {
		item.tags = []string{familiarName(parsed)}
	}
	item.digests = []string{familiarRepository(familiarName(parsed)) + "@" + desc.Digest.String()}
	imgs, err := s.write(ctx, []writeItem{item}, registryclient.ProgressOf(opts...))
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", ref, err)
	}
	return imgs[0], nil
}

// Push uploads the image named ref to its registry and records the pushed
// manifest's repo digest.
func (s *Store) Push(ctx context.Context, ref string, opts ...registryclient.CallOption) error {
	parsed, err := parseReference(ref)
	if err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	img, err := s.Get(ctx, ref)
	if err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	v1img, err := s.V1Image(ctx, img)
	if err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	reg, err := s.registryClient()
	if err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	if err := reg.Push(ctx, parsed, v1img, opts...); err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	digest := familiarRepository(familiarName(parsed)) + "@" + img.ManifestDigest.String()
	err = s.update(ctx, func(idx *index) error {
		if _, ok := idx.Images[img.ID.String()]; !ok {
			return fmt.Errorf("image %s: %w", img.ShortID(), ErrNotFound)
		}
		idx.addDigest(img.ID.String(), digest)
		return nil
	})
	if err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	return nil
}
