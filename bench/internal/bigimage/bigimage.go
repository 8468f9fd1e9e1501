// Package bigimage generates large images with seeded content for the
// benchmarks. The same Spec always yields the same image digest on one
// platform (the config records the host's GOARCH), so runs are comparable
// and a benchmark can check what it pulled.
//
// Each layer is a gzip tar of Spec.Size/Spec.Layers bytes of file content.
// By default (Content Random, Files 0) a layer holds one file of random
// bytes; gzip cannot shrink random data, so the compressed image is at
// least Spec.Size bytes, which suits a benchmark of transfer and hashing.
// An unpack benchmark wants layers like real ones instead: Content Binary
// compresses about 2.5× (so inflating costs what it costs in practice) and
// Files spreads each layer over many files (so per-file work counts).
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
	Layers  int     // number of layers, at least 1
	Size    int64   // bytes of file content in all, split evenly over the layers
	Seed    uint64  // the same seed gives the same content
	Content Content // kind of content: Random (the default) or Binary
	Files   int     // files per layer, split evenly; 0 means 1
}

// Generate builds the image described by spec. Layers are compressed in
// parallel, one goroutine per CPU at most.
func Generate(spec Spec) (v1.Image, error) {
	if spec.Layers < 1 {
		return nil, fmt.Errorf("generate image: %d layers: %w", spec.Layers, ErrInvalidSpec)
	}
	if spec.Files < 0 {
		return nil, fmt.Errorf("generate image: %d files per layer: %w", spec.Files, ErrInvalidSpec)
	}
	if spec.Size < int64(spec.Layers)*int64(max(spec.Files, 1)) {
		return nil, fmt.Errorf("generate image: size %d for %d layers of %d files: %w",
			spec.Size, spec.Layers, max(spec.Files, 1), ErrInvalidSpec)
	}
	if spec.Content != Random && spec.Content != Binary {
		return nil, fmt.Errorf("generate image: %v: %w", spec.Content, ErrInvalidSpec)
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
			blobs[i], errs[i] = gzipLayer(spec, i)
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

// share splits total evenly over parts; the last part takes the remainder.
func share(total int64, parts, i int) int64 {
	each := total / int64(parts)
	if i == parts-1 {
		return total - each*int64(parts-1)
	}
	return each
}

// gzipLayer returns layer index of spec as a gzip tar. With one file per
// layer it holds bench/layer-NNN.bin; with more, bench/layer-NNN/ holds
// files 00000.bin, 00001.bin, …. The content is one stream, seeded from
// spec.Seed and the layer index, cut into the files in order.
func gzipLayer(spec Spec, index int) ([]byte, error) {
	size := share(spec.Size, spec.Layers, index)
	level := gzip.BestSpeed // random content: deflate only stores it, so spend nothing looking for matches
	if spec.Content != Random {
		level = gzip.DefaultCompression // as docker and GNU gzip compress layers
	}
	var buf bytes.Buffer
	buf.Grow(int(size + size/100 + 4096))
	zw, err := gzip.NewWriterLevel(&buf, level)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(zw)
	header := func(name string, typeflag byte, mode, size int64) *tar.Header {
		return &tar.Header{Name: name, Typeflag: typeflag, Mode: mode, Size: size, ModTime: Created, Format: tar.FormatPAX}
	}
	var key [32]byte
	for b := range 8 {
		key[b] = byte(spec.Seed >> (8 * b))
		key[8+b] = byte(uint64(index) >> (8 * b))
	}
	content := contentReader(spec.Content, key)

	entries := []*tar.Header{header("bench/", tar.TypeDir, 0o755, 0)}
	if files := max(spec.Files, 1); files == 1 {
		entries = append(entries, header(fmt.Sprintf("bench/layer-%03d.bin", index), tar.TypeReg, 0o644, size))
	} else {
		dir := fmt.Sprintf("bench/layer-%03d/", index)
		entries = append(entries, header(dir, tar.TypeDir, 0o755, 0))
		for f := range files {
			entries = append(entries, header(fmt.Sprintf("%s%05d.bin", dir, f), tar.TypeReg, 0o644, share(size, files, f)))
		}
	}
	for _, h := range entries {
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("layer %d: %w", index, err)
		}
		if _, err := io.CopyN(tw, content, h.Size); err != nil {
			return nil, fmt.Errorf("layer %d: %w", index, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("layer %d: %w", index, err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("layer %d: %w", index, err)
	}
	return buf.Bytes(), nil
}
