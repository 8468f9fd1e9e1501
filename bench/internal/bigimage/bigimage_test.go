package bigimage

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/require"
)

func TestGenerateIsDeterministic(t *testing.T) {
	spec := Spec{Layers: 3, Size: 300 << 10, Seed: 7}
	a, err := Generate(spec)
	require.NoError(t, err)
	b, err := Generate(spec)
	require.NoError(t, err)
	da, err := a.Digest()
	require.NoError(t, err)
	db, err := b.Digest()
	require.NoError(t, err)
	require.Equal(t, da, db, "same spec must give the same image")

	spec.Seed = 8
	c, err := Generate(spec)
	require.NoError(t, err)
	dc, err := c.Digest()
	require.NoError(t, err)
	require.NotEqual(t, da, dc, "another seed must give another image")
}

func TestGenerateLayersAreIncompressibleAndDistinct(t *testing.T) {
	const size = 256<<10 + 5 // not divisible by the layer count
	img, err := Generate(Spec{Layers: 4, Size: size, Seed: 1})
	require.NoError(t, err)

	layers, err := img.Layers()
	require.NoError(t, err)
	require.Len(t, layers, 4)

	compressed, err := CompressedSize(img)
	require.NoError(t, err)
	require.GreaterOrEqual(t, compressed, int64(size), "random content must not shrink under gzip")

	var total int64
	seen := map[string]bool{}
	for _, l := range layers {
		d, err := l.Digest()
		require.NoError(t, err)
		require.False(t, seen[d.String()], "layers must differ")
		seen[d.String()] = true

		rc, err := l.Uncompressed()
		require.NoError(t, err)
		tr := tar.NewReader(rc)
		var files int
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err)
			if h.Typeflag == tar.TypeReg {
				files++
				n, err := io.Copy(io.Discard, tr)
				require.NoError(t, err)
				require.Equal(t, h.Size, n)
				total += n
			}
		}
		require.NoError(t, rc.Close())
		require.Equal(t, 1, files)
	}
	require.Equal(t, int64(size), total, "layer files must add up to Spec.Size")

	cf, err := img.ConfigFile()
	require.NoError(t, err)
	require.Equal(t, "linux", cf.OS)
	require.Len(t, cf.History, 4)
	require.Len(t, cf.RootFS.DiffIDs, 4)
}

func TestGenerateContentIsRandom(t *testing.T) {
	img, err := Generate(Spec{Layers: 1, Size: 64 << 10, Seed: 3})
	require.NoError(t, err)
	layers, err := img.Layers()
	require.NoError(t, err)
	rc, err := layers[0].Uncompressed()
	require.NoError(t, err)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		require.NoError(t, err)
		if h.Typeflag == tar.TypeReg {
			break
		}
	}
	body, err := io.ReadAll(tr)
	require.NoError(t, err)
	require.Len(t, body, 64<<10)
	require.False(t, bytes.Equal(body[:32<<10], body[32<<10:]), "content must not repeat")
	require.NotEqual(t, make([]byte, 64), body[:64], "content must not be zeros")
}

func TestGenerateRejectsInvalidSpecs(t *testing.T) {
	for _, spec := range []Spec{
		{Layers: 0, Size: 100},
		{Layers: -1, Size: 100},
		{Layers: 4, Size: 3},
		{Layers: 1, Size: 100, Files: -1},
		{Layers: 2, Size: 100, Files: 51}, // fewer bytes than files
		{Layers: 1, Size: 100, Content: Binary + 1},
	} {
		_, err := Generate(spec)
		require.ErrorIs(t, err, ErrInvalidSpec, "%+v", spec)
	}
}

// layerFiles returns the regular files of layer i of img, name to content.
func layerFiles(t *testing.T, img v1.Image, i int) map[string][]byte {
	t.Helper()
	layers, err := img.Layers()
	require.NoError(t, err)
	rc, err := layers[i].Uncompressed()
	require.NoError(t, err)
	defer rc.Close()
	files := map[string][]byte{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		require.NoError(t, err)
		if h.Typeflag == tar.TypeReg {
			body, err := io.ReadAll(tr)
			require.NoError(t, err)
			files[h.Name] = body
		}
	}
}

func TestGenerateBinaryContentCompressesLikeExecutables(t *testing.T) {
	const size = 8 << 20
	img, err := Generate(Spec{Layers: 2, Size: size, Seed: 1, Content: Binary})
	require.NoError(t, err)
	compressed, err := CompressedSize(img)
	require.NoError(t, err)
	ratio := float64(size) / float64(compressed)
	require.GreaterOrEqual(t, ratio, 2.0, "binary content must compress 2-3x, got %.2f", ratio)
	require.LessOrEqual(t, ratio, 3.0, "binary content must compress 2-3x, got %.2f", ratio)

	random, err := Generate(Spec{Layers: 2, Size: size, Seed: 1})
	require.NoError(t, err)
	randomCompressed, err := CompressedSize(random)
	require.NoError(t, err)
	require.GreaterOrEqual(t, randomCompressed, int64(size), "the default stays incompressible")

	// Deterministic, and distinct per layer.
	again, err := Generate(Spec{Layers: 2, Size: size, Seed: 1, Content: Binary})
	require.NoError(t, err)
	d1, err := img.Digest()
	require.NoError(t, err)
	d2, err := again.Digest()
	require.NoError(t, err)
	require.Equal(t, d1, d2)
	first, second := layerFiles(t, img, 0), layerFiles(t, img, 1)
	require.NotEqual(t, first["bench/layer-000.bin"][:4096], second["bench/layer-001.bin"][:4096])
}

func TestGenerateSpreadsLayersOverFiles(t *testing.T) {
	const size = 3*(100<<10) + 7
	img, err := Generate(Spec{Layers: 3, Size: size, Seed: 2, Content: Binary, Files: 10})
	require.NoError(t, err)
	var total int
	for i := range 3 {
		files := layerFiles(t, img, i)
		require.Len(t, files, 10)
		for f := range 10 {
			body, ok := files[fmt.Sprintf("bench/layer-%03d/%05d.bin", i, f)]
			require.True(t, ok, "layer %d file %d", i, f)
			require.NotEmpty(t, body)
			total += len(body)
		}
	}
	require.Equal(t, size, total, "files must add up to Spec.Size")
}

func TestParseContent(t *testing.T) {
	for _, c := range []Content{Random, Binary} {
		got, err := ParseContent(c.String())
		require.NoError(t, err)
		require.Equal(t, c, got)
	}
	for _, s := range []string{"", "Random", "text", "binary "} {
		_, err := ParseContent(s)
		require.ErrorIs(t, err, ErrInvalidSpec, "%q", s)
	}
}
