package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/berth-dev/berth/registryclient"
)

// maxMetadataSize bounds the JSON files of an archive read into memory.
const maxMetadataSize = 32 << 20

// Load reads a `docker save` tarball (plain or gzip-compressed; the legacy
// layout with <id>/layer.tar directories or docker 25's blobs/sha256 form)
// or a tar of an OCI image layout, and stores its images with their names
// (manifest.json's RepoTags, or the layout's name annotations). Everything
// is checked before anything is stored: a failed load stores nothing.
func (s *Store) Load(ctx context.Context, r io.Reader) ([]*Image, error) {
	spool, err := s.createIngest(ctx)
	if err != nil {
		return nil, fmt.Errorf("load images: %w", err)
	}
	defer spool.discard()
	br := bufio.NewReader(r)
	var src io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("load images: %v: %w", err, ErrInvalid)
		}
		defer zr.Close()
		src = zr
	}
	if _, err := copyWithContext(ctx, spool.f, src, nil); err != nil {
		return nil, fmt.Errorf("load images: %w", err)
	}
	archive, err := readTarArchive(spool.f)
	if err != nil {
		return nil, fmt.Errorf("load images: %w", err)
	}
	items, err := imagesOf(archive)
	if err != nil {
		return nil, fmt.Errorf("load images: %w", err)
	}
	imgs, err := s.write(ctx, items, nil)
	if err != nil {
		return nil, fmt.Errorf("load images: %w", err)
	}
	return imgs, nil
}

// ImportOCI stores every image of the OCI layout at dir, named by its
// annotations (see nameFromAnnotations). An index in the layout
// contributes its manifest for this host's platform (or its first).
func (s *Store) ImportOCI(ctx context.Context, dir string) ([]*Image, error) {
	items, err := imagesOf(dirArchive(dir))
	if err != nil {
		return nil, fmt.Errorf("import OCI layout %s: %w", dir, err)
	}
	imgs, err := s.write(ctx, items, nil)
	if err != nil {
		return nil, fmt.Errorf("import OCI layout %s: %w", dir, err)
	}
	return imgs, nil
}

// archiveFiles is a set of files to load images from: a tar or a directory.
type archiveFiles interface {
	// open opens the file at the slash-separated relative path p; a
	// missing file is an error wrapping ErrInvalid.
	open(p string) (io.ReadCloser, error)
	exists(p string) bool
}

// readSmall reads a whole metadata file.
func readSmall(a archiveFiles, p string) ([]byte, error) {
	r, err := a.open(p)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, maxMetadataSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if len(data) > maxMetadataSize {
		return nil, fmt.Errorf("read %s: larger than %d bytes: %w", p, maxMetadataSize, ErrInvalid)
	}
	return data, nil
}

// imagesOf reads the images of a docker archive (manifest.json) or, when
// there is none, of an OCI layout (index.json).
func imagesOf(a archiveFiles) ([]writeItem, error) {
	switch {
	case a.exists("manifest.json"):
		return dockerArchiveImages(a)
	case a.exists("index.json"):
		return ociLayoutImages(a)
	}
	return nil, fmt.Errorf("neither manifest.json nor index.json found: %w", ErrInvalid)
}

// dockerArchiveImages reads a docker save archive. Layer files may be
// plain tars (as docker writes them) or gzip-compressed; they are stored
// as found, and each must uncompress to its diffID in the config.
func dockerArchiveImages(a archiveFiles) ([]writeItem, error) {
	data, err := readSmall(a, "manifest.json")
	if err != nil {
		return nil, err
	}
	var entries []archiveManifestEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("parse manifest.json: %v: %w", err, ErrInvalid)
	}
	var items []writeItem
	for _, e := range entries {
		rawConfig, err := readSmall(a, e.Config)
		if err != nil {
			return nil, err
		}
		var cf v1.ConfigFile
		if err := json.Unmarshal(rawConfig, &cf); err != nil {
			return nil, fmt.Errorf("parse config %s: %v: %w", e.Config, err, ErrInvalid)
		}
		if len(cf.RootFS.DiffIDs) != len(e.Layers) {
			return nil, fmt.Errorf("config %s has %d diff IDs for %d layers: %w", e.Config, len(cf.RootFS.DiffIDs), len(e.Layers), ErrInvalid)
		}
		m := v1.Manifest{
			SchemaVersion: 2,
			MediaType:     types.DockerManifestSchema2,
			Config:        v1.Descriptor{MediaType: types.DockerConfigJSON, Size: int64(len(rawConfig)), Digest: sha256Hash(rawConfig)},
		}
		paths := map[v1.Hash]string{}
		for i, lp := range e.Layers {
			desc, err := describeArchiveLayer(a, lp)
			if err != nil {
				return nil, err
			}
			if desc.diffID != cf.RootFS.DiffIDs[i] {
				return nil, fmt.Errorf("layer %s is %s, config says %s: %w: %w", lp, desc.diffID, cf.RootFS.DiffIDs[i], ErrInvalid, registryclient.ErrDigestMismatch)
			}
			m.Layers = append(m.Layers, desc.Descriptor)
			paths[desc.Digest] = lp
		}
		rawManifest, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		img, err := newBlobImage(rawManifest, rawConfig, func(d v1.Descriptor) (io.ReadCloser, error) { return a.open(paths[d.Digest]) })
		if err != nil {
			return nil, err
		}
		item := writeItem{img: toV1(img)}
		for _, t := range e.RepoTags {
			tag, err := normalizeTag(t)
			if err != nil {
				return nil, fmt.Errorf("manifest.json: %w", err)
			}
			item.tags = append(item.tags, tag)
		}
		items = append(items, item)
	}
	return items, nil
}

type archiveLayer struct {
	v1.Descriptor
	diffID v1.Hash
}

// describeArchiveLayer hashes a layer file of a docker archive: its digest
// as stored, and its diffID (the same for a plain tar).
func describeArchiveLayer(a archiveFiles, p string) (archiveLayer, error) {
	r, err := a.open(p)
	if err != nil {
		return archiveLayer{}, err
	}
	defer r.Close()
	br := bufio.NewReaderSize(r, 1<<16)
	magic, _ := br.Peek(2)
	gzipped := bytes.Equal(magic, []byte{0x1f, 0x8b})
	blobHash := sha256.New()
	var size int64
	if !gzipped {
		if size, err = io.Copy(blobHash, br); err != nil {
			return archiveLayer{}, fmt.Errorf("read layer %s: %w", p, err)
		}
		d := hashOf(blobHash)
		return archiveLayer{Descriptor: v1.Descriptor{MediaType: types.DockerUncompressedLayer, Size: size, Digest: d}, diffID: d}, nil
	}
	counted := &countingReader{r: io.TeeReader(br, blobHash)}
	zr, err := gzip.NewReader(counted)
	if err != nil {
		return archiveLayer{}, fmt.Errorf("read layer %s: %v: %w", p, err, ErrInvalid)
	}
	diffHash := sha256.New()
	if _, err := io.Copy(diffHash, zr); err != nil {
		return archiveLayer{}, fmt.Errorf("read layer %s: %v: %w", p, err, ErrInvalid)
	}
	if _, err := io.Copy(io.Discard, counted); err != nil { // trailing bytes belong to the blob
		return archiveLayer{}, fmt.Errorf("read layer %s: %w", p, err)
	}
	return archiveLayer{Descriptor: v1.Descriptor{MediaType: types.DockerLayer, Size: counted.n, Digest: hashOf(blobHash)}, diffID: hashOf(diffHash)}, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// ociLayoutImages reads the images an OCI layout's index.json lists.
func ociLayoutImages(a archiveFiles) ([]writeItem, error) {
	data, err := readSmall(a, "index.json")
	if err != nil {
		return nil, err
	}
	var idx v1.IndexManifest
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("parse index.json: %v: %w", err, ErrInvalid)
	}
	var items []writeItem
	for _, d := range idx.Manifests {
		item, err := ociLayoutImage(a, d, nameFromAnnotations(d.Annotations), 0)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	return items, nil
}

// ociLayoutImage reads the image descriptor d designates, choosing this
// host's platform from an index.
func ociLayoutImage(a archiveFiles, d v1.Descriptor, imageName string, depth int) (writeItem, error) {
	raw, err := readVerified(a, d)
	if err != nil {
		return writeItem{}, err
	}
	switch d.MediaType {
	case types.OCIImageIndex, types.DockerManifestList:
		if depth > 4 {
			return writeItem{}, fmt.Errorf("index %s nested too deep: %w", d.Digest, ErrInvalid)
		}
		var idx v1.IndexManifest
		if err := json.Unmarshal(raw, &idx); err != nil || len(idx.Manifests) == 0 {
			return writeItem{}, fmt.Errorf("parse index %s: %w", d.Digest, ErrInvalid)
		}
		chosen := idx.Manifests[0]
		for _, m := range idx.Manifests {
			if m.Platform != nil && m.Platform.OS == "linux" && m.Platform.Architecture == runtime.GOARCH {
				chosen = m
				break
			}
		}
		return ociLayoutImage(a, chosen, imageName, depth+1)
	}
	var m v1.Manifest
	if err := json.Unmarshal(raw, &m); err != nil || m.Config.Digest.Hex == "" {
		return writeItem{}, fmt.Errorf("manifest %s: not an image manifest: %w", d.Digest, ErrInvalid)
	}
	rawConfig, err := readVerified(a, m.Config)
	if err != nil {
		return writeItem{}, err
	}
	for _, l := range m.Layers {
		if !a.exists(blobName(l.Digest)) {
			return writeItem{}, fmt.Errorf("layer %s missing: %w", l.Digest, ErrInvalid)
		}
	}
	img, err := newBlobImage(raw, rawConfig, func(d v1.Descriptor) (io.ReadCloser, error) { return a.open(blobName(d.Digest)) })
	if err != nil {
		return writeItem{}, err
	}
	item := writeItem{img: toV1(img)}
	if imageName != "" {
		item.tags = []string{imageName}
	}
	return item, nil
}

// readVerified reads a small blob of a layout and checks its digest.
func readVerified(a archiveFiles, d v1.Descriptor) ([]byte, error) {
	if d.Digest.Algorithm != "sha256" || len(d.Digest.Hex) != 64 {
		return nil, fmt.Errorf("blob %q: unsupported digest: %w", d.Digest, ErrInvalid)
	}
	data, err := readSmall(a, blobName(d.Digest))
	if err != nil {
		return nil, err
	}
	if got := sha256Hash(data); got != d.Digest {
		return nil, fmt.Errorf("blob %s hashes to %s: %w: %w", d.Digest, got, ErrInvalid, registryclient.ErrDigestMismatch)
	}
	return data, nil
}

func sha256Hash(b []byte) v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", sha256.Sum256(b))}
}

// tarArchive is a tar spooled to a file, indexed by path.
type tarArchive struct {
	f     io.ReaderAt
	files map[string]tarSection
	links map[string]string // symlinks and hard links: path -> target path
}

type tarSection struct{ offset, size int64 }

// readTarArchive indexes a tar file, refusing entries with absolute paths
// or ".." elements.
func readTarArchive(f *os.File) (*tarArchive, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	a := &tarArchive{f: f, files: map[string]tarSection{}, links: map[string]string{}}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return a, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read tar: %v: %w", err, ErrInvalid)
		}
		p, err := cleanArchivePath(h.Name)
		if err != nil {
			return nil, err
		}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeRegA:
			// archive/tar reads headers without read-ahead, so the file
			// offset is where the entry's content starts.
			off, err := f.Seek(0, io.SeekCurrent)
			if err != nil {
				return nil, err
			}
			a.files[p] = tarSection{offset: off, size: h.Size}
		case tar.TypeSymlink:
			target := h.Linkname
			if !path.IsAbs(target) {
				target = path.Join(path.Dir(p), target)
			}
			if a.links[p], err = cleanArchivePath(target); err != nil {
				return nil, err
			}
		case tar.TypeLink:
			if a.links[p], err = cleanArchivePath(h.Linkname); err != nil {
				return nil, err
			}
		}
	}
}

// cleanArchivePath normalises an entry name ("./a/b" is "a/b") and refuses
// absolute paths and paths with "..".
func cleanArchivePath(name string) (string, error) {
	if path.IsAbs(name) {
		return "", fmt.Errorf("archive entry %q: absolute path: %w", name, ErrInvalid)
	}
	for _, el := range splitPath(name) {
		if el == ".." {
			return "", fmt.Errorf("archive entry %q: path leaves the archive: %w", name, ErrInvalid)
		}
	}
	return path.Clean(name), nil
}

func splitPath(p string) []string {
	var out []string
	for p != "" {
		i := 0
		for i < len(p) && p[i] != '/' {
			i++
		}
		out = append(out, p[:i])
		if i == len(p) {
			break
		}
		p = p[i+1:]
	}
	return out
}

func (a *tarArchive) section(p string) (tarSection, bool) {
	p = path.Clean(p)
	for range 16 {
		if s, ok := a.files[p]; ok {
			return s, true
		}
		target, ok := a.links[p]
		if !ok {
			return tarSection{}, false
		}
		p = target
	}
	return tarSection{}, false
}

func (a *tarArchive) exists(p string) bool { _, ok := a.section(p); return ok }

func (a *tarArchive) open(p string) (io.ReadCloser, error) {
	s, ok := a.section(p)
	if !ok {
		return nil, fmt.Errorf("archive has no file %q: %w", p, ErrInvalid)
	}
	return io.NopCloser(io.NewSectionReader(a.f, s.offset, s.size)), nil
}

// dirArchive is an OCI layout directory.
type dirArchive string

func (d dirArchive) resolve(p string) (string, error) {
	p, err := cleanArchivePath(p)
	if err != nil {
		return "", err
	}
	if !fs.ValidPath(p) {
		return "", fmt.Errorf("layout path %q: %w", p, ErrInvalid)
	}
	return filepath.Join(string(d), filepath.FromSlash(p)), nil
}

func (d dirArchive) exists(p string) bool {
	full, err := d.resolve(p)
	if err != nil {
		return false
	}
	st, err := os.Stat(full)
	return err == nil && st.Mode().IsRegular()
}

func (d dirArchive) open(p string) (io.ReadCloser, error) {
	full, err := d.resolve(p)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(full)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("layout has no file %q: %w", p, ErrInvalid)
	}
	return f, err
}
