// Package bigimage generates large images with incompressible, seeded
// content for the pull benchmark. The same Spec always yields the same
// image digest on one platform (the config records the host's GOARCH), so
// runs are comparable and a benchmark can check what it pulled.
//
// Each layer is a gzip tar holding one file of random bytes; gzip cannot
// shrink random data, so the compressed image is at least Spec.Size bytes.
// The compressed layers are held in memory: generating a 128 MB image needs
// about 128 MB of RAM.
package bigimage

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// ErrInvalidSpec is returned for a Spec that cannot describe an image.
var ErrInvalidSpec = errors.New("invalid image spec")

// Created is the timestamp of every tar entry and of the image config.
var Created = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// Spec describes a generated image.
type Spec struct {
	Layers int    // number of layers, at least 1
	Size   int64  // random bytes in all, split evenly over the layers
	Seed   uint64 // the same seed gives the same content
}

// Generate builds the image described by spec. Layers are compressed in
// parallel, one goroutine per CPU at most.
func Generate(spec Spec) (v1.Image, error) {
	if spec.Layers < 1 {
		return nil, fmt.Errorf("generate image: %d layers: %w", spec.Layers, ErrInvalidSpec)
	}
	if spec.Size < int64(spec.Layers) {
		return nil, fmt.Errorf("generate image: size %d for %d layers: %w", spec.Size, spec.Layers, ErrInvalidSpec)
	}

	blobs := make([][]byte, spec.Layers)
	errs := make([]error, spec.Layers)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := range spec.Layers {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			blobs[i], errs[i] = gzipLayer(i, layerSize(spec, i), spec.Seed)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("generate image: %w", err)
	}

	img := empty.Image
	for i, blob := range blobs {
		layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(blob)), nil
		})
		if err != nil {
			return nil, fmt.Errorf("generate image: layer %d: %w", i, err)
		}
		img, err = mutate.Append(img, mutate.Addendum{
			Layer: layer,
			History: v1.History{
				Created:   v1.Time{Time: Created},
				CreatedBy: fmt.Sprintf("bigimage layer %d of %d, seed %d", i+1, spec.Layers, spec.Seed),
			},
		})
		if err != nil {
			return nil, fmt.Errorf("generate image: append layer %d: %w", i, err)
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("generate image: %w", err)
	}
	cf = cf.DeepCopy()
	cf.Created = v1.Time{Time: Created}
	cf.OS = "linux"
	cf.Architecture = runtime.GOARCH
	cf.Config.Cmd = []string{"/bench/none"}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("generate image: config: %w", err)
	}
	return img, nil
}

// CompressedSize is the sum of the image's compressed layer sizes: the bytes
// a pull transfers besides the manifest and config.
func CompressedSize(img v1.Image) (int64, error) {
	layers, err := img.Layers()
	if err != nil {
		return 0, err
	}
	var total int64
	for _, l := range layers {
		n, err := l.Size()
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// layerSize splits spec.Size evenly; the last layer takes the remainder.
func layerSize(spec Spec, i int) int64 {
	each := spec.Size / int64(spec.Layers)
	if i == spec.Layers-1 {
		return spec.Size - each*int64(spec.Layers-1)
	}
	return each
}

// gzipLayer returns a gzip tar with one file of size random bytes, seeded
// from seed and the layer index.
func gzipLayer(index int, size int64, seed uint64) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(int(size + size/100 + 4096))
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(zw)
	entries := []*tar.Header{
		{Name: "bench/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: Created, Format: tar.FormatPAX},
		{Name: fmt.Sprintf("bench/layer-%03d.bin", index), Typeflag: tar.TypeReg, Mode: 0o644, Size: size, ModTime: Created, Format: tar.FormatPAX},
	}
	for _, h := range entries {
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("layer %d: %w", index, err)
		}
	}
	var key [32]byte
	for b := range 8 {
		key[b] = byte(seed >> (8 * b))
		key[8+b] = byte(uint64(index) >> (8 * b))
	}
	if _, err := io.CopyN(tw, rand.NewChaCha8(key), size); err != nil {
		return nil, fmt.Errorf("layer %d: %w", index, err)
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("layer %d: %w", index, err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("layer %d: %w", index, err)
	}
	return buf.Bytes(), nil
}
