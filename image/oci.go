package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/match"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// ExportOCI writes the named images into an OCI image layout directory dir
// (created if missing; existing layout appended to). An image named by a
// tag gets one index entry per tag, annotated with the tag in
// org.opencontainers.image.ref.name (what skopeo's oci:DIR:TAG looks up)
// and the full name in io.containerd.image.name; an entry with the same
// ref.name already in the layout is replaced. An image named by ID gets
// an entry without a name. Layer and config blobs are written as stored;
// a Docker schema 2 manifest is rewritten with the equivalent OCI media
// types, since OCI layout readers (skopeo) only accept OCI manifests there.
// The config is unchanged, so the image ID is the same.
func (s *Store) ExportOCI(ctx context.Context, dir string, refs ...string) error {
	if err := s.exportOCI(ctx, dir, refs); err != nil {
		return fmt.Errorf("export %s to OCI layout %s: %w", strings.Join(refs, " "), dir, err)
	}
	return nil
}

func (s *Store) exportOCI(ctx context.Context, dir string, refs []string) error {
	items, err := s.resolveForExport(refs)
	if err != nil {
		return err
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, "index.json")); !errors.Is(statErr, os.ErrNotExist) {
			return err
		}
		if p, err = layout.Write(dir, empty.Index); err != nil {
			return err
		}
	}
	for _, it := range items {
		img, err := s.ociImage(it.img)
		if err != nil {
			return err
		}
		if len(it.tags) == 0 {
			if err := p.AppendImage(img); err != nil {
				return err
			}
			continue
		}
		for _, t := range it.tags {
			full, err := fullName(t)
			if err != nil {
				return err
			}
			annotations := map[string]string{annotationRefName: tagOf(t), annotationImageName: full}
			if err := p.ReplaceImage(img, match.Annotation(annotationRefName, tagOf(t)), layout.WithAnnotations(annotations)); err != nil {
				return err
			}
		}
	}
	return nil
}

// ociMediaTypes maps Docker schema 2 media types to their OCI equivalents.
var ociMediaTypes = map[types.MediaType]types.MediaType{
	types.DockerManifestSchema2:   types.OCIManifestSchema1,
	types.DockerConfigJSON:        types.OCIConfigJSON,
	types.DockerLayer:             types.OCILayer,
	types.DockerUncompressedLayer: types.OCIUncompressedLayer,
	types.DockerForeignLayer:      types.OCIRestrictedLayer,
}

// ociImage is the stored image with an OCI manifest: the stored one if it
// is OCI already, else the stored one with OCI media types.
func (s *Store) ociImage(img *Image) (v1.Image, error) {
	rawManifest, err := s.readBlob(img.ManifestDigest)
	if err != nil {
		return nil, err
	}
	rawConfig, err := s.readBlob(img.ID)
	if err != nil {
		return nil, err
	}
	var m v1.Manifest
	if err := json.Unmarshal(rawManifest, &m); err != nil {
		return nil, fmt.Errorf("parse manifest %s: %v: %w", img.ManifestDigest, err, ErrCorrupt)
	}
	if oci, ok := ociMediaTypes[m.MediaType]; ok {
		m.MediaType = oci
		if t, ok := ociMediaTypes[m.Config.MediaType]; ok {
			m.Config.MediaType = t
		}
		for i, l := range m.Layers {
			if t, ok := ociMediaTypes[l.MediaType]; ok {
				m.Layers[i].MediaType = t
			}
		}
		if rawManifest, err = json.Marshal(m); err != nil {
			return nil, err
		}
	}
	core, err := newBlobImage(rawManifest, rawConfig, func(desc v1.Descriptor) (io.ReadCloser, error) {
		return os.Open(s.blobPath(desc.Digest))
	})
	if err != nil {
		return nil, err
	}
	return toV1(core), nil
}
