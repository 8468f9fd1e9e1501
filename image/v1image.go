package image

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// V1Image returns the stored image as a go-containerregistry image whose
// layers read from the store (used by layer unpacking and push). The
// blobs stay readable while the image is in the store; a caller that must
// not lose them to a concurrent Remove holds the image first (Hold).
func (s *Store) V1Image(ctx context.Context, img *Image) (v1.Image, error) {
	rawManifest, err := s.readBlob(img.ManifestDigest)
	if err != nil {
		return nil, fmt.Errorf("open image %s: %w", img.ShortID(), err)
	}
	rawConfig, err := s.readBlob(img.ID)
	if err != nil {
		return nil, fmt.Errorf("open image %s: %w", img.ShortID(), err)
	}
	core, err := newBlobImage(rawManifest, rawConfig, func(desc v1.Descriptor) (io.ReadCloser, error) {
		return os.Open(s.blobPath(desc.Digest))
	})
	if err != nil {
		return nil, fmt.Errorf("open image %s: %w", img.ShortID(), err)
	}
	return partial.CompressedToImage(core)
}

// blobImage is an image made of a raw manifest, a raw config and a way to
// open its layer blobs: the stored form, and the form a loaded archive
// has before it is stored. It implements partial.CompressedImageCore.
type blobImage struct {
	rawManifest []byte
	rawConfig   []byte
	manifest    v1.Manifest
	open        func(v1.Descriptor) (io.ReadCloser, error)
}

func newBlobImage(rawManifest, rawConfig []byte, open func(v1.Descriptor) (io.ReadCloser, error)) (*blobImage, error) {
	bi := &blobImage{rawManifest: rawManifest, rawConfig: rawConfig, open: open}
	if err := json.Unmarshal(rawManifest, &bi.manifest); err != nil {
		return nil, fmt.Errorf("parse manifest: %v: %w", err, ErrInvalid)
	}
	return bi, nil
}

func (bi *blobImage) RawConfigFile() ([]byte, error) { return bi.rawConfig, nil }
func (bi *blobImage) RawManifest() ([]byte, error)   { return bi.rawManifest, nil }

func (bi *blobImage) MediaType() (types.MediaType, error) {
	if bi.manifest.MediaType != "" {
		return bi.manifest.MediaType, nil
	}
	return types.OCIManifestSchema1, nil
}

func (bi *blobImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if h == bi.manifest.Config.Digest {
		return &blobLayer{desc: bi.manifest.Config, open: bi.open}, nil
	}
	for _, l := range bi.manifest.Layers {
		if l.Digest == h {
			return &blobLayer{desc: l, open: bi.open}, nil
		}
	}
	return nil, fmt.Errorf("layer %s: %w", h, ErrNotFound)
}

// blobLayer is one blob of a blobImage.
type blobLayer struct {
	desc v1.Descriptor
	open func(v1.Descriptor) (io.ReadCloser, error)
}

func (l *blobLayer) Digest() (v1.Hash, error)            { return l.desc.Digest, nil }
func (l *blobLayer) Size() (int64, error)                { return l.desc.Size, nil }
func (l *blobLayer) MediaType() (types.MediaType, error) { return l.desc.MediaType, nil }
func (l *blobLayer) Compressed() (io.ReadCloser, error)  { return l.open(l.desc) }

// toV1 wraps a blobImage as a v1.Image. partial.CompressedToImage only
// fails on a nil core.
func toV1(bi *blobImage) v1.Image {
	img, err := partial.CompressedToImage(bi)
	if err != nil {
		panic(err)
	}
	return img
}
