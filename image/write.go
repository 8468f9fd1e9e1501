package image

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/berth-dev/berth/internal/flock"
	"io"
	"os"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/layer"
	"github.com/berth-dev/berth/registryclient"
)

// parallelBlobs is how many layer blobs one write fetches at once.
const parallelBlobs = 4

// Write stores img — its config, layers and manifest — and gives it names.
// Tag names ("busybox", "host:5000/a:1") become RepoTags; digest names
// ("busybox@sha256:...") become RepoDigests. Pull, Load and ImportOCI all
// store through the same path.
func (s *Store) Write(ctx context.Context, img v1.Image, names ...string) (*Image, error) {
	item := writeItem{img: img}
	for _, n := range names {
		ref, err := parseReference(n)
		if err != nil {
			return nil, fmt.Errorf("write image: %w", err)
		}
		if _, ok := ref.(name.Digest); ok {
			item.digests = append(item.digests, familiarName(ref))
		} else {
			item.tags = append(item.tags, familiarName(ref))
		}
	}
	imgs, err := s.write(ctx, []writeItem{item}, nil)
	if err != nil {
		return nil, fmt.Errorf("write image: %w", err)
	}
	return imgs[0], nil
}

// writeItem is one image to store and the names it gets.
type writeItem struct {
	img     v1.Image
	tags    []string // familiar tag names
	digests []string // familiar digest names
}

// writer is the state of one write call.
type writer struct {
	s        *Store
	progress func(registryclient.Progress)

	mu      sync.Mutex
	created []v1.Hash        // blobs this call added (for roll-back)
	layers  []v1.Hash        // diffIDs this call unpacked (for roll-back)
	started map[v1.Hash]bool // blobs already handled by this call
}

// write stores every item's blobs, then records all items in the index in
// one update, so a multi-image load is all or nothing. It holds the writer
// lock shared throughout, which keeps blob collection away from blobs it
// relies on. On failure the index is unchanged and no ingest file remains;
// blobs it added are deleted again, unless the failure is a cancelled
// context (an interrupted pull keeps its verified blobs for the next try).
func (s *Store) write(ctx context.Context, items []writeItem, progress func(registryclient.Progress)) ([]*Image, error) {
	gc, err := s.lockFile(ctx, writerLockName, false, true)
	if err != nil {
		return nil, err
	}
	defer gc.Close()
	w := &writer{s: s, progress: progress, started: map[v1.Hash]bool{}}
	type stored struct {
		id       string
		manifest v1.Hash
	}
	var done []stored
	for _, it := range items {
		id, manifest, err := w.writeImage(ctx, it.img)
		if err != nil {
			return nil, w.rollBack(ctx, gc, err)
		}
		done = append(done, stored{id: id, manifest: manifest})
	}
	err = s.update(ctx, func(idx *index) error {
		for i, it := range items {
			e, ok := idx.Images[done[i].id]
			if !ok {
				e = &indexEntry{Added: time.Now().UTC()}
				idx.Images[done[i].id] = e
			}
			e.Manifest = done[i].manifest
			for _, t := range it.tags {
				idx.addTag(done[i].id, t)
			}
			for _, d := range it.digests {
				idx.addDigest(done[i].id, d)
			}
		}
		return nil
	})
	if err != nil {
		return nil, w.rollBack(ctx, gc, err)
	}
	idx, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	var out []*Image
	for _, d := range done {
		e, ok := idx.Images[d.id]
		if !ok { // removed by another process meanwhile
			return nil, fmt.Errorf("image %s: %w", d.id, ErrNotFound)
		}
		img, err := s.imageOf(d.id, e)
		if err != nil {
			return nil, err
		}
		out = append(out, img)
	}
	return out, nil
}

// rollBack deletes the blobs this call created that no image references,
// when no other writer is at work (otherwise the next collection does it).
func (w *writer) rollBack(ctx context.Context, gc *os.File, cause error) error {
	if ctx.Err() != nil || len(w.created)+len(w.layers) == 0 {
		return cause
	}
	if err := flock.Lock(ctx, gc, true, false); err != nil {
		return cause
	}
	_ = w.s.withIndexLock(context.WithoutCancel(ctx), func() error {
		idx, err := w.s.readIndex()
		if err != nil {
			return err
		}
		refs, err := w.s.referencedBlobs(idx)
		if err != nil {
			return err
		}
		for _, h := range w.created {
			if !refs[h] {
				os.Remove(w.s.blobPath(h))
			}
		}
		layers, err := w.s.referencedLayers(idx)
		if err != nil {
			return err
		}
		for _, h := range w.layers {
			if !layers[h] {
				_ = w.s.layers.Remove(h)
			}
		}
		return nil
	})
	return cause
}

// writeImage stores the config, layers and manifest of img and returns its
// ID and manifest digest.
func (w *writer) writeImage(ctx context.Context, img v1.Image) (string, v1.Hash, error) {
	rawManifest, err := img.RawManifest()
	if err != nil {
		return "", v1.Hash{}, fmt.Errorf("read manifest: %w", err)
	}
	var m v1.Manifest
	if err := json.Unmarshal(rawManifest, &m); err != nil || m.Config.Digest.Hex == "" {
		return "", v1.Hash{}, fmt.Errorf("parse manifest: not an image manifest: %w", ErrInvalid)
	}
	rawConfig, err := img.RawConfigFile()
	if err != nil {
		return "", v1.Hash{}, fmt.Errorf("read config: %w", err)
	}
	var cf v1.ConfigFile
	if err := json.Unmarshal(rawConfig, &cf); err != nil {
		return "", v1.Hash{}, fmt.Errorf("parse config: %v: %w", err, ErrInvalid)
	}
	if len(cf.RootFS.DiffIDs) != len(m.Layers) {
		return "", v1.Hash{}, fmt.Errorf("image has %d layers but %d diff IDs: %w", len(m.Layers), len(cf.RootFS.DiffIDs), ErrInvalid)
	}
	if err := w.blob(ctx, m.Config, false, func() (io.ReadCloser, error) { return bytesSource(rawConfig), nil }); err != nil {
		return "", v1.Hash{}, err
	}
	// Layers download and unpack several at once. A layer may need those
	// below it at the end of its unpack (layer.WithParents), so slots are
	// taken in layer order: a layer waiting for lower ones never holds a
	// slot they need.
	sem := make(chan struct{}, parallelBlobs)
	errs := make([]error, len(m.Layers))
	ready := make([]chan struct{}, len(m.Layers)) // closed when layer i is done, well or not
	first := make([]int, len(m.Layers))           // index of the first layer with the same blob
	firstOf := map[v1.Hash]int{}
	for i, desc := range m.Layers {
		ready[i] = make(chan struct{})
		if j, ok := firstOf[desc.Digest]; ok {
			first[i] = j
			continue
		}
		firstOf[desc.Digest], first[i] = i, i
	}
	var wg sync.WaitGroup
	layerCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	parentsOf := func(i int) func() ([]string, error) {
		return func() ([]string, error) {
			var dirs []string
			for j := i - 1; j >= 0; j-- {
				k := first[j]
				select {
				case <-ready[k]:
				case <-layerCtx.Done():
					return nil, layerCtx.Err()
				}
				if errs[k] != nil {
					return nil, fmt.Errorf("layer %d: %w", k, errs[k])
				}
				info, err := w.s.layers.Get(cf.RootFS.DiffIDs[j])
				if err != nil {
					return nil, err
				}
				dirs = append(dirs, info.Dir)
			}
			return dirs, nil
		}
	}
	for i, desc := range m.Layers {
		if first[i] != i {
			close(ready[i]) // the same layer twice in one image: stored once
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-layerCtx.Done():
			errs[i] = layerCtx.Err()
			close(ready[i])
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			defer close(ready[i])
			errs[i] = w.layer(layerCtx, desc, cf.RootFS.DiffIDs[i], parentsOf(i), func() (io.ReadCloser, error) {
				l, err := img.LayerByDigest(desc.Digest)
				if err != nil {
					return nil, err
				}
				return l.Compressed()
			})
			if errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	if err := firstError(ctx, errs); err != nil {
		return "", v1.Hash{}, err
	}
	manifestDigest := v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", sha256.Sum256(rawManifest))}
	desc := v1.Descriptor{Digest: manifestDigest, Size: int64(len(rawManifest))}
	if err := w.blob(ctx, desc, false, func() (io.ReadCloser, error) { return bytesSource(rawManifest), nil }); err != nil {
		return "", v1.Hash{}, err
	}
	return m.Config.Digest.String(), manifestDigest, nil
}

// firstError picks the error that caused the others: a layer's own failure
// rather than the cancellation it triggered in its siblings.
func firstError(ctx context.Context, errs []error) error {
	var cancelled error
	for _, err := range errs {
		if err == nil {
			continue
		}
		if errors.Is(err, context.Canceled) && ctx.Err() == nil {
			cancelled = err
			continue
		}
		return err
	}
	return cancelled
}

func bytesSource(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }

// layer makes sure layer desc is in the store both as a blob and unpacked
// as diffID. A download is streamed into both at once: the blob writer
// tees what it reads into the unpacker, so the layer is ready when the
// blob is. A blob already stored but not unpacked is unpacked from disk.
// parents lists the directories of the layers below, top-most first, and
// may wait for them (layer.WithParents).
func (w *writer) layer(ctx context.Context, desc v1.Descriptor, diffID v1.Hash, parents func() ([]string, error), open func() (io.ReadCloser, error)) error {
	if _, err := w.s.layers.Get(diffID); err == nil {
		return w.blob(ctx, desc, true, open)
	}
	var pw *io.PipeWriter
	var unpacked chan error
	err := w.blob(ctx, desc, true, func() (io.ReadCloser, error) {
		rc, err := open()
		if err != nil {
			return nil, err
		}
		var pr *io.PipeReader
		pr, pw = io.Pipe()
		unpacked = make(chan error, 1)
		go func() {
			_, err := w.s.layers.Unpack(ctx, diffID, pr, layer.WithParents(parents))
			pr.CloseWithError(err) // a failed unpack fails the download too
			unpacked <- err
		}()
		return struct {
			io.Reader
			io.Closer
		}{io.TeeReader(rc, pw), rc}, nil
	})
	if unpacked == nil { // the blob was there already, or could not be opened
		if err != nil {
			return err
		}
		return w.unpackStored(ctx, desc, diffID, parents)
	}
	pw.CloseWithError(err) // nil: the unpacker sees the end of the blob
	uerr := <-unpacked
	if err != nil {
		return err
	}
	if uerr != nil {
		return uerr
	}
	w.mu.Lock()
	w.layers = append(w.layers, diffID)
	w.mu.Unlock()
	return nil
}

// unpackStored unpacks layer desc from the blob already in the store.
func (w *writer) unpackStored(ctx context.Context, desc v1.Descriptor, diffID v1.Hash, parents func() ([]string, error)) error {
	if _, err := w.s.layers.Get(diffID); err == nil {
		return nil
	}
	f, err := os.Open(w.s.blobPath(desc.Digest))
	if err != nil {
		return fmt.Errorf("unpack layer %s: %w", desc.Digest, err)
	}
	defer f.Close()
	if _, err := w.s.layers.Unpack(ctx, diffID, f, layer.WithParents(parents)); err != nil {
		return err
	}
	w.mu.Lock()
	w.layers = append(w.layers, diffID)
	w.mu.Unlock()
	return nil
}

// blob makes sure the blob desc is in the store, opening it only when it
// is missing. Progress is reported for layers only, as docker shows it.
func (w *writer) blob(ctx context.Context, desc v1.Descriptor, isLayer bool, open func() (io.ReadCloser, error)) error {
	w.mu.Lock()
	if w.started[desc.Digest] {
		w.mu.Unlock()
		return nil
	}
	w.started[desc.Digest] = true
	w.mu.Unlock()
	report := func(p registryclient.Progress) {
		if w.progress != nil && isLayer {
			p.Digest, p.Total = desc.Digest, desc.Size
			w.progress(p)
		}
	}
	if w.s.hasBlob(desc.Digest) {
		report(registryclient.Progress{Complete: desc.Size, Done: true, Skipped: true})
		return nil
	}
	r, err := open()
	if err != nil {
		return fmt.Errorf("fetch blob %s: %w", desc.Digest, err)
	}
	defer r.Close()
	report(registryclient.Progress{})
	created, err := w.s.writeBlob(ctx, r, desc.Digest, desc.Size, func(n int64) { report(registryclient.Progress{Complete: n}) })
	if err != nil {
		return err
	}
	if created {
		w.mu.Lock()
		w.created = append(w.created, desc.Digest)
		w.mu.Unlock()
	}
	report(registryclient.Progress{Complete: desc.Size, Done: true})
	return nil
}
