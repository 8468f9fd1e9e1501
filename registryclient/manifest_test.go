package registryclient

import (
	"errors"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	digestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	digestC = "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

	ociManifest = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` + digestA + `","size":100},
 "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"` + digestB + `","size":2000},
           {"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"` + digestC + `","size":3000}]}`
	dockerManifest = `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
 "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"` + digestA + `","size":7},
 "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":"` + digestB + `","size":8}]}`
	ociIndex = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + digestA + `","size":10,"platform":{"architecture":"amd64","os":"linux"}},
 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + digestB + `","size":11,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}},
 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + digestC + `","size":12,"platform":{"architecture":"arm","os":"linux","variant":"v7"}}]}`
	dockerList = `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[
 {"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"` + digestA + `","size":10,"platform":{"architecture":"s390x","os":"linux"}}]}`
	schema1Manifest = `{"schemaVersion":1,"name":"library/busybox","tag":"latest","architecture":"amd64",
 "fsLayers":[{"blobSum":"` + digestA + `"}],"history":[{"v1Compatibility":"{}"}],
 "signatures":[{"header":{"alg":"ES256"},"signature":"x","protected":"y"}]}`
)

func TestDecodeManifest(t *testing.T) {
	tests := []struct {
		name      string
		mediaType string
		body      string
		kind      ManifestKind
		wantMT    types.MediaType
		layers    int
		children  int
	}{
		{"oci manifest", "application/vnd.oci.image.manifest.v1+json", ociManifest, ImageManifest, types.OCIManifestSchema1, 2, 0},
		{"docker manifest", "application/vnd.docker.distribution.manifest.v2+json", dockerManifest, ImageManifest, types.DockerManifestSchema2, 1, 0},
		{"content type with parameter", "application/vnd.docker.distribution.manifest.v2+json; charset=utf-8", dockerManifest, ImageManifest, types.DockerManifestSchema2, 1, 0},
		{"oci index", "application/vnd.oci.image.index.v1+json", ociIndex, IndexManifest, types.OCIImageIndex, 0, 3},
		{"docker list", "application/vnd.docker.distribution.manifest.list.v2+json", dockerList, IndexManifest, types.DockerManifestList, 0, 1},
		{"sniffed from mediaType field", "", dockerManifest, ImageManifest, types.DockerManifestSchema2, 1, 0},
		{"sniffed index without mediaType", "application/json", `{"schemaVersion":2,"manifests":[]}`, IndexManifest, types.OCIImageIndex, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := DecodeManifest(tt.mediaType, strings.NewReader(tt.body))
			require.NoError(t, err)
			assert.Equal(t, tt.kind, m.Kind)
			assert.Equal(t, tt.wantMT, m.MediaType)
			assert.Len(t, m.Layers, tt.layers)
			assert.Len(t, m.Children, tt.children)
			if tt.kind == ImageManifest {
				assert.Equal(t, digestA, m.Config.Digest.String())
				assert.Equal(t, digestB, m.Layers[0].Digest.String())
			}
		})
	}
}

func TestDecodeManifestErrors(t *testing.T) {
	tests := []struct {
		name      string
		mediaType string
		body      string
		want      error
		mention   string
	}{
		{"schema1 signed", "application/vnd.docker.distribution.manifest.v1+prettyjws", schema1Manifest, ErrUnsupportedManifest, "schema 1"},
		{"schema1 plain", "application/vnd.docker.distribution.manifest.v1+json", schema1Manifest, ErrUnsupportedManifest, "schema 1"},
		{"schema1 sniffed", "", schema1Manifest, ErrUnsupportedManifest, "schema 1"},
		{"unknown media type", "application/vnd.example+json", ociManifest, ErrUnsupportedManifest, "application/vnd.example+json"},
		{"no media type at all", "", `{"foo":1}`, ErrUnsupportedManifest, "no media type"},
		{"garbage", "application/vnd.oci.image.manifest.v1+json", "\x00not json", ErrInvalidManifest, "not JSON"},
		{"wrong schemaVersion", "application/vnd.oci.image.manifest.v1+json", `{"schemaVersion":3}`, ErrInvalidManifest, "schemaVersion 3"},
		{"bad digest", "application/vnd.oci.image.manifest.v1+json", `{"schemaVersion":2,"config":{"digest":"sha256:zz","size":1}}`, ErrInvalidManifest, "malformed"},
		{"missing config digest", "application/vnd.oci.image.manifest.v1+json", `{"schemaVersion":2,"config":{"size":1}}`, ErrInvalidManifest, "config has no digest"},
		{"too large", "application/vnd.oci.image.manifest.v1+json", strings.Repeat(" ", MaxManifestSize+1), ErrInvalidManifest, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeManifest(tt.mediaType, strings.NewReader(tt.body))
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.want)
			var me *ManifestError
			assert.ErrorAs(t, err, &me)
			assert.Contains(t, err.Error(), tt.mention)
		})
	}
}

func TestSelectPlatform(t *testing.T) {
	m, err := DecodeManifest(string(types.OCIImageIndex), strings.NewReader(ociIndex))
	require.NoError(t, err)
	tests := []struct {
		want   v1.Platform
		digest string
	}{
		{v1.Platform{OS: "linux", Architecture: "amd64"}, digestA},
		{v1.Platform{OS: "linux", Architecture: "arm64"}, digestB},
		{v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, digestB},
		{v1.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, digestC},
		{v1.Platform{OS: "linux", Architecture: "arm"}, digestC},
	}
	for _, tt := range tests {
		d, err := m.SelectPlatform(tt.want)
		require.NoError(t, err, "%+v", tt.want)
		assert.Equal(t, tt.digest, d.Digest.String(), "%+v", tt.want)
	}

	_, err = m.SelectPlatform(v1.Platform{OS: "linux", Architecture: "arm", Variant: "v6"})
	require.ErrorIs(t, err, ErrNoMatchingPlatform)
	var pe *PlatformError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "linux/arm/v6", pe.Wanted)
	assert.Equal(t, []string{"linux/amd64", "linux/arm64/v8", "linux/arm/v7"}, pe.Available)
	assert.Contains(t, err.Error(), "linux/arm64/v8")
}

func FuzzDecodeManifest(f *testing.F) {
	for _, seed := range []struct{ mt, body string }{
		{string(types.OCIManifestSchema1), ociManifest},
		{string(types.DockerManifestSchema2), dockerManifest},
		{string(types.OCIImageIndex), ociIndex},
		{string(types.DockerManifestList), dockerList},
		{string(types.DockerManifestSchema1Signed), schema1Manifest},
		{"", schema1Manifest},
		{"", "garbage"},
		{"application/json", `{"schemaVersion":2,"manifests":[{"digest":"x"}]}`},
	} {
		f.Add(seed.mt, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, mediaType string, body []byte) {
		m, err := DecodeManifest(mediaType, strings.NewReader(string(body)))
		if err != nil {
			var me *ManifestError
			if !errors.As(err, &me) || !(errors.Is(err, ErrUnsupportedManifest) || errors.Is(err, ErrInvalidManifest)) {
				t.Fatalf("DecodeManifest: untyped error %v", err)
			}
			return
		}
		switch m.Kind {
		case ImageManifest:
			if m.Config.Digest.Hex == "" || len(m.Children) != 0 {
				t.Fatalf("image manifest without config digest or with children: %+v", m)
			}
		case IndexManifest:
			if len(m.Layers) != 0 {
				t.Fatalf("index with layers: %+v", m)
			}
			_, _ = m.SelectPlatform(HostPlatform())
		default:
			t.Fatalf("unknown kind %v", m.Kind)
		}
	})
}
