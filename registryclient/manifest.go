package registryclient

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// MaxManifestSize is the largest manifest DecodeManifest reads (4 MiB, the
// limit distribution and containerd use).
const MaxManifestSize = 4 << 20

// ManifestKind says whether a manifest describes one image or points at
// several (an OCI image index or a Docker manifest list).
type ManifestKind int

const (
	// ImageManifest is a single-platform image: a config and layers.
	ImageManifest ManifestKind = iota + 1
	// IndexManifest lists per-platform manifests (OCI index, Docker manifest list).
	IndexManifest
)

func (k ManifestKind) String() string {
	switch k {
	case ImageManifest:
		return "image"
	case IndexManifest:
		return "index"
	}
	return fmt.Sprintf("ManifestKind(%d)", int(k))
}

// Manifest is a decoded, classified manifest.
type Manifest struct {
	MediaType types.MediaType
	Kind      ManifestKind
	// Image manifests.
	Config v1.Descriptor
	Layers []v1.Descriptor
	// Index manifests: the children, with their platforms when given.
	Children []v1.Descriptor
}

// DecodeManifest decodes a manifest of the given media type (the
// Content-Type the registry sent; "" means sniff it from the content's
// mediaType field or shape). It accepts OCI image manifests and indexes and
// Docker schema 2 manifests and manifest lists. Schema 1 and unknown media
// types give a *ManifestError wrapping ErrUnsupportedManifest; content that
// does not decode gives one wrapping ErrInvalidManifest.
func DecodeManifest(mediaType string, r io.Reader) (*Manifest, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxManifestSize+1))
	if err != nil {
		return nil, &ManifestError{MediaType: mediaType, Reason: "read failed", Err: ErrInvalidManifest, Cause: err}
	}
	if len(data) > MaxManifestSize {
		return nil, &ManifestError{MediaType: mediaType, Reason: fmt.Sprintf("larger than %d bytes", MaxManifestSize), Err: ErrInvalidManifest}
	}
	// Content-Type may carry parameters ("...; charset=utf-8").
	mt, _, _ := strings.Cut(mediaType, ";")
	mt = strings.TrimSpace(mt)

	var raw struct {
		SchemaVersion int               `json:"schemaVersion"`
		MediaType     string            `json:"mediaType"`
		Config        *json.RawMessage  `json:"config"`
		Layers        []json.RawMessage `json:"layers"`
		Manifests     *json.RawMessage  `json:"manifests"`
		FSLayers      *json.RawMessage  `json:"fsLayers"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		if types.MediaType(mt).IsSchema1() {
			return nil, schema1Error(mt)
		}
		return nil, &ManifestError{MediaType: mt, Reason: "not JSON", Err: ErrInvalidManifest, Cause: err}
	}
	if mt == "" || mt == "application/json" || mt == "text/plain" {
		mt = sniffMediaType(raw.MediaType, raw.SchemaVersion, raw.Config != nil, raw.Manifests != nil, raw.FSLayers != nil)
	}
	switch types.MediaType(mt) {
	case types.DockerManifestSchema1, types.DockerManifestSchema1Signed:
		return nil, schema1Error(mt)
	case types.OCIManifestSchema1, types.DockerManifestSchema2:
		if raw.SchemaVersion != 2 {
			return nil, &ManifestError{MediaType: mt, Reason: fmt.Sprintf("schemaVersion %d, want 2", raw.SchemaVersion), Err: ErrInvalidManifest}
		}
		var m v1.Manifest
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, &ManifestError{MediaType: mt, Reason: "malformed image manifest", Err: ErrInvalidManifest, Cause: err}
		}
		if err := checkDescriptor("config", m.Config); err != nil {
			return nil, &ManifestError{MediaType: mt, Reason: err.Error(), Err: ErrInvalidManifest}
		}
		for i, l := range m.Layers {
			if err := checkDescriptor(fmt.Sprintf("layer %d", i), l); err != nil {
				return nil, &ManifestError{MediaType: mt, Reason: err.Error(), Err: ErrInvalidManifest}
			}
		}
		return &Manifest{MediaType: types.MediaType(mt), Kind: ImageManifest, Config: m.Config, Layers: m.Layers}, nil
	case types.OCIImageIndex, types.DockerManifestList:
		if raw.SchemaVersion != 2 {
			return nil, &ManifestError{MediaType: mt, Reason: fmt.Sprintf("schemaVersion %d, want 2", raw.SchemaVersion), Err: ErrInvalidManifest}
		}
		var idx v1.IndexManifest
		if err := json.Unmarshal(data, &idx); err != nil {
			return nil, &ManifestError{MediaType: mt, Reason: "malformed index", Err: ErrInvalidManifest, Cause: err}
		}
		for i, c := range idx.Manifests {
			if err := checkDescriptor(fmt.Sprintf("manifest %d", i), c); err != nil {
				return nil, &ManifestError{MediaType: mt, Reason: err.Error(), Err: ErrInvalidManifest}
			}
		}
		return &Manifest{MediaType: types.MediaType(mt), Kind: IndexManifest, Children: idx.Manifests}, nil
	case "":
		return nil, &ManifestError{Reason: "no media type given and none in the content", Err: ErrUnsupportedManifest}
	}
	return nil, &ManifestError{MediaType: mt, Reason: "not an OCI or Docker schema 2 image manifest or index", Err: ErrUnsupportedManifest}
}

func schema1Error(mt string) error {
	return &ManifestError{MediaType: mt, Reason: "Docker image manifest schema 1 is deprecated and not supported; push the image again with a current client", Err: ErrUnsupportedManifest}
}

func sniffMediaType(declared string, schemaVersion int, hasConfig, hasManifests, hasFSLayers bool) string {
	switch {
	case declared != "":
		return declared
	case schemaVersion == 1 || hasFSLayers:
		return string(types.DockerManifestSchema1)
	case hasManifests:
		return string(types.OCIImageIndex)
	case hasConfig:
		return string(types.OCIManifestSchema1)
	}
	return ""
}

func checkDescriptor(what string, d v1.Descriptor) error {
	if d.Digest.Algorithm == "" || d.Digest.Hex == "" {
		return fmt.Errorf("%s has no digest", what)
	}
	if d.Size < 0 {
		return fmt.Errorf("%s has negative size %d", what, d.Size)
	}
	return nil
}

// HostPlatform is the platform an index is resolved for by default: the
// host's GOOS and GOARCH (no variant, so any variant of the architecture
// matches and the first one listed wins).
func HostPlatform() v1.Platform {
	return v1.Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH}
}

// SelectPlatform returns the first child of an index that runs on want.
// OS and architecture must be equal; a wanted variant must be equal too
// (arm64's "" and "v8" are the same); a wanted OS version is compared only
// when both sides give one. No match is a *PlatformError listing what the
// index offers.
func (m *Manifest) SelectPlatform(want v1.Platform) (v1.Descriptor, error) {
	if m.Kind != IndexManifest {
		return v1.Descriptor{}, fmt.Errorf("select platform: %w: not an index (%s)", ErrInvalidManifest, m.MediaType)
	}
	var available []string
	for _, c := range m.Children {
		if c.Platform == nil {
			continue
		}
		if platformMatches(*c.Platform, want) {
			return c, nil
		}
		available = append(available, platformString(*c.Platform))
	}
	return v1.Descriptor{}, &PlatformError{Wanted: platformString(want), Available: available}
}

func platformMatches(have, want v1.Platform) bool {
	if have.OS != want.OS || have.Architecture != want.Architecture {
		return false
	}
	if want.Variant != "" && normaliseVariant(have) != normaliseVariant(want) {
		return false
	}
	if want.OSVersion != "" && have.OSVersion != "" && want.OSVersion != have.OSVersion {
		return false
	}
	return true
}

func normaliseVariant(p v1.Platform) string {
	if p.Architecture == "arm64" && p.Variant == "" {
		return "v8"
	}
	return p.Variant
}

func platformString(p v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}
