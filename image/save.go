package image

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Annotations naming an image in an OCI layout.
const (
	// annotationRefName holds the tag ("latest"), as skopeo's oci:DIR:TAG
	// and docker save look it up.
	annotationRefName = "org.opencontainers.image.ref.name"
	// annotationImageName holds the full name
	// ("docker.io/library/busybox:latest"), as containerd and docker write it.
	annotationImageName = "io.containerd.image.name"
)

// archiveManifestEntry is one entry of a docker save manifest.json.
type archiveManifestEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// saveItem is one image to save and the tags it is saved with.
type saveItem struct {
	img  *Image
	tags []string
}

// resolveForExport groups refs by image: an image named by a tag is saved
// with that tag; one named by ID or digest without a tag.
func (s *Store) resolveForExport(refs []string) ([]*saveItem, error) {
	if len(refs) == 0 {
		return nil, fmt.Errorf("no image named: %w", ErrInvalid)
	}
	idx, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	var items []*saveItem
	byID := map[string]*saveItem{}
	for _, r := range refs {
		res, err := resolve(idx, r)
		if err != nil {
			return nil, err
		}
		it, ok := byID[res.id]
		if !ok {
			img, err := s.imageOf(res.id, idx.Images[res.id])
			if err != nil {
				return nil, err
			}
			it = &saveItem{img: img}
			byID[res.id] = it
			items = append(items, it)
		}
		if res.byName != "" && !strings.Contains(res.byName, "@") {
			it.tags = append(it.tags, res.byName)
		}
	}
	return items, nil
}

// Save writes the named images as a `docker save` tarball in docker 25's
// combined form: an OCI image layout (oci-layout, index.json,
// blobs/sha256/...) plus manifest.json and repositories whose paths point
// into blobs/sha256. Layers are written uncompressed, so that each layer
// blob's digest is its diffID, as docker-archive readers require; the OCI
// manifest in index.json describes those uncompressed layers, and the
// config — hence the image ID — is unchanged.
func (s *Store) Save(ctx context.Context, w io.Writer, refs ...string) error {
	items, err := s.resolveForExport(refs)
	if err != nil {
		return fmt.Errorf("save %s: %w", strings.Join(refs, " "), err)
	}
	if err := s.save(ctx, w, items); err != nil {
		return fmt.Errorf("save %s: %w", strings.Join(refs, " "), err)
	}
	return nil
}

func (s *Store) save(ctx context.Context, w io.Writer, items []*saveItem) error {
	tw := tar.NewWriter(w)
	written := map[v1.Hash]bool{}
	writeFile := func(name string, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	writeBlob := func(h v1.Hash, data []byte) error {
		if written[h] {
			return nil
		}
		written[h] = true
		return writeFile(blobName(h), data)
	}
	if err := writeFile("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return err
	}
	var archive []archiveManifestEntry
	ociIndex := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}
	repositories := map[string]map[string]string{}
	for _, it := range items {
		rawConfig, err := s.readBlob(it.img.ID)
		if err != nil {
			return err
		}
		if err := writeBlob(it.img.ID, rawConfig); err != nil {
			return err
		}
		manifest := v1.Manifest{
			SchemaVersion: 2,
			MediaType:     types.OCIManifestSchema1,
			Config:        v1.Descriptor{MediaType: types.OCIConfigJSON, Digest: it.img.ID, Size: int64(len(rawConfig))},
		}
		entry := archiveManifestEntry{Config: blobName(it.img.ID), RepoTags: it.tags}
		for _, l := range it.img.Layers {
			size, err := s.writeUncompressedLayer(ctx, tw, it.img, l, written)
			if err != nil {
				return err
			}
			manifest.Layers = append(manifest.Layers, v1.Descriptor{MediaType: types.OCIUncompressedLayer, Digest: l.DiffID, Size: size})
			entry.Layers = append(entry.Layers, blobName(l.DiffID))
		}
		rawManifest, err := json.Marshal(manifest)
		if err != nil {
			return err
		}
		manifestDigest := v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", sha256.Sum256(rawManifest))}
		if err := writeBlob(manifestDigest, rawManifest); err != nil {
			return err
		}
		desc := v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: manifestDigest, Size: int64(len(rawManifest))}
		if len(it.tags) == 0 {
			ociIndex.Manifests = append(ociIndex.Manifests, desc)
		}
		for _, t := range it.tags {
			full, err := fullName(t)
			if err != nil {
				return err
			}
			d := desc
			d.Annotations = map[string]string{annotationImageName: full, annotationRefName: tagOf(t)}
			ociIndex.Manifests = append(ociIndex.Manifests, d)
			repo := familiarRepository(t)
			if repositories[repo] == nil {
				repositories[repo] = map[string]string{}
			}
			if n := len(it.img.Layers); n > 0 {
				repositories[repo][tagOf(t)] = it.img.Layers[n-1].DiffID.Hex
			}
		}
		archive = append(archive, entry)
	}
	for _, f := range []struct {
		name string
		v    any
	}{{"index.json", ociIndex}, {"manifest.json", archive}, {"repositories", repositories}} {
		data, err := json.Marshal(f.v)
		if err != nil {
			return err
		}
		if err := writeFile(f.name, data); err != nil {
			return err
		}
	}
	return tw.Close()
}

// blobName is a blob's path inside an OCI layout.
func blobName(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }

// writeUncompressedLayer writes layer l of img uncompressed as
// blobs/sha256/<diffID>, unless written already, and returns its size. A
// compressed layer is read twice: once to learn its size and check its
// diffID (a tar header needs the size first), once to write it.
func (s *Store) writeUncompressedLayer(ctx context.Context, tw *tar.Writer, img *Image, l LayerInfo, written map[v1.Hash]bool) (int64, error) {
	v1img, err := s.V1Image(ctx, img)
	if err != nil {
		return 0, err
	}
	layer, err := v1img.LayerByDigest(l.Digest)
	if err != nil {
		return 0, err
	}
	open := func() (io.ReadCloser, error) {
		if isUncompressed(types.MediaType(l.MediaType)) {
			return os.Open(s.blobPath(l.Digest))
		}
		return layer.Uncompressed()
	}
	r, err := open()
	if err != nil {
		return 0, fmt.Errorf("layer %s: %w", l.Digest, err)
	}
	h := sha256.New()
	size, err := copyWithContext(ctx, h, r, nil)
	r.Close()
	if err != nil {
		return 0, fmt.Errorf("layer %s: %w", l.Digest, err)
	}
	if got := hashOf(h); got != l.DiffID {
		return 0, fmt.Errorf("layer %s uncompresses to %s, config says %s: %w", l.Digest, got, l.DiffID, ErrCorrupt)
	}
	if written[l.DiffID] {
		return size, nil
	}
	written[l.DiffID] = true
	if err := tw.WriteHeader(&tar.Header{Name: blobName(l.DiffID), Mode: 0o644, Size: size, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return 0, err
	}
	if r, err = open(); err != nil {
		return 0, fmt.Errorf("layer %s: %w", l.Digest, err)
	}
	defer r.Close()
	if _, err := copyWithContext(ctx, tw, r, nil); err != nil {
		return 0, fmt.Errorf("layer %s: %w", l.Digest, err)
	}
	return size, nil
}

// isUncompressed reports whether a layer media type is a plain tar.
func isUncompressed(mt types.MediaType) bool {
	return mt == types.DockerUncompressedLayer || mt == types.OCIUncompressedLayer
}

// nameFromAnnotations names an image of an OCI layout: the full name in
// io.containerd.image.name, else org.opencontainers.image.ref.name when it
// is a whole reference. A ref.name that is only a tag ("latest") cannot
// name an image by itself: the image is then stored without a name.
func nameFromAnnotations(a map[string]string) string {
	for _, key := range []string{annotationImageName, annotationRefName} {
		v := a[key]
		if v == "" || (key == annotationRefName && !strings.ContainsAny(v, "/:@")) {
			continue
		}
		ref, err := parseReference(v)
		if err != nil {
			continue
		}
		if _, ok := ref.(name.Tag); ok {
			return familiarName(ref)
		}
	}
	return ""
}
