package image

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Image is what the store knows of one image, as docker image inspect shows it.
type Image struct {
	ID             v1.Hash   // config digest; ShortID() is its 12-hex form
	ManifestDigest v1.Hash   // the single-platform manifest stored
	RepoTags       []string  // familiar names: "redis:latest", "host:5000/a/b:tag"
	RepoDigests    []string  // "redis@sha256:..." (digest of what was pulled/pushed: index or manifest)
	Created        time.Time // from the config
	Size           int64     // unpacked size of the layers, as docker reports it
	Architecture   string
	OS             string
	Variant        string
	Config         RunConfig
	History        []v1.History
	Layers         []LayerInfo // bottom first
}

// LayerInfo names one layer: its compressed blob and its uncompressed diffID.
type LayerInfo struct {
	Digest       v1.Hash
	DiffID       v1.Hash
	Size         int64  // of the blob as stored (usually compressed)
	UnpackedSize int64  // bytes of file content once unpacked
	Dir          string // the unpacked layer directory
	MediaType    string
}

// RunConfig is the runnable part of an image config.
type RunConfig struct {
	Entrypoint   []string
	Cmd          []string
	Env          []string
	ExposedPorts []string // "80/tcp", sorted
	Volumes      []string // sorted
	WorkingDir   string
	User         string
	Labels       map[string]string
	StopSignal   string
	Healthcheck  *v1.HealthConfig
}

// ShortID is the 12-character form of the ID, as docker prints it.
func (i *Image) ShortID() string {
	if len(i.ID.Hex) < 12 {
		return i.ID.Hex
	}
	return i.ID.Hex[:12]
}

// Dangling reports whether the image has no tag, as docker's dangling=true.
func (i *Image) Dangling() bool { return len(i.RepoTags) == 0 }

// manifest reads and parses a stored manifest.
func (s *Store) manifest(h v1.Hash) (*v1.Manifest, error) {
	data, err := s.readBlob(h)
	if err != nil {
		return nil, err
	}
	var m v1.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("parse manifest %s: %v: %w", h, err, ErrCorrupt)
	}
	return &m, nil
}

// configFile reads and parses a stored config.
func (s *Store) configFile(h v1.Hash) (*v1.ConfigFile, error) {
	data, err := s.readBlob(h)
	if err != nil {
		return nil, err
	}
	var c v1.ConfigFile
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("parse config %s: %v: %w", h, err, ErrCorrupt)
	}
	return &c, nil
}

// imageOf builds the Image of index entry id from its blobs.
func (s *Store) imageOf(id string, e *indexEntry) (*Image, error) {
	idHash, err := v1.NewHash(id)
	if err != nil {
		return nil, fmt.Errorf("image %s: %v: %w", id, err, ErrCorrupt)
	}
	m, err := s.manifest(e.Manifest)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", id, err)
	}
	cf, err := s.configFile(idHash)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", id, err)
	}
	img := &Image{
		ID:             idHash,
		ManifestDigest: e.Manifest,
		RepoTags:       slices.Clone(e.RepoTags),
		RepoDigests:    slices.Clone(e.RepoDigests),
		Created:        cf.Created.Time,
		Architecture:   cf.Architecture,
		OS:             cf.OS,
		Variant:        cf.Variant,
		Config:         runConfigOf(cf.Config),
		History:        slices.Clone(cf.History),
	}
	for i, l := range m.Layers {
		info := LayerInfo{Digest: l.Digest, Size: l.Size, MediaType: string(l.MediaType)}
		if i < len(cf.RootFS.DiffIDs) {
			info.DiffID = cf.RootFS.DiffIDs[i]
		}
		unpacked, err := s.layers.Get(info.DiffID)
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", id, err)
		}
		info.UnpackedSize, info.Dir = unpacked.Size, unpacked.Dir
		img.Layers = append(img.Layers, info)
		img.Size += info.UnpackedSize
	}
	return img, nil
}

func runConfigOf(c v1.Config) RunConfig {
	rc := RunConfig{
		Entrypoint:  slices.Clone(c.Entrypoint),
		Cmd:         slices.Clone(c.Cmd),
		Env:         slices.Clone(c.Env),
		WorkingDir:  c.WorkingDir,
		User:        c.User,
		StopSignal:  c.StopSignal,
		Healthcheck: c.Healthcheck,
	}
	for p := range c.ExposedPorts {
		rc.ExposedPorts = append(rc.ExposedPorts, p)
	}
	sort.Strings(rc.ExposedPorts)
	for v := range c.Volumes {
		rc.Volumes = append(rc.Volumes, v)
	}
	sort.Strings(rc.Volumes)
	if len(c.Labels) > 0 {
		rc.Labels = make(map[string]string, len(c.Labels))
		for k, v := range c.Labels {
			rc.Labels[k] = v
		}
	}
	return rc
}
