package image

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/berth-dev/berth/internal/flock"
	"hash"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/internal/plainfile"
	"github.com/berth-dev/berth/registryclient"
)

// blobPath is where the verified blob h lives.
func (s *Store) blobPath(h v1.Hash) string {
	return filepath.Join(s.dir, blobsDirName, h.Algorithm, h.Hex)
}

// hasBlob reports whether blob h is in the store.
func (s *Store) hasBlob(h v1.Hash) bool {
	_, err := os.Stat(s.blobPath(h))
	return err == nil
}

// readBlob reads a whole (small) blob: a manifest or a config.
func (s *Store) readBlob(h v1.Hash) ([]byte, error) {
	if h.Algorithm != "sha256" || len(h.Hex) != 64 {
		return nil, fmt.Errorf("read blob %s: unsupported digest: %w", h, ErrCorrupt)
	}
	data, err := plainfile.ReadFile(s.blobPath(h))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read blob %s: missing: %w", h, ErrCorrupt)
	}
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	return data, nil
}

// ingestFile is a blob being written: ingest/<random>, exclusively flocked
// for its whole life so that Open in another process leaves it alone.
type ingestFile struct {
	f    *os.File
	path string
}

// createIngest makes a new locked ingest file.
func (s *Store) createIngest(ctx context.Context) (*ingestFile, error) {
	for {
		p := filepath.Join(s.dir, ingestDirName, randomName())
		f, err := plainfile.Open(p, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o644)
		if err != nil {
			return nil, err
		}
		if err := flock.Lock(ctx, f, true, true); err != nil {
			f.Close()
			os.Remove(p)
			return nil, err
		}
		// Between create and flock, Open in another process may have
		// locked and removed the file: then it is no longer at p.
		var fdStat, pathStat os.FileInfo
		fdStat, err = f.Stat()
		if err == nil {
			pathStat, err = os.Stat(p)
		}
		if err == nil && os.SameFile(fdStat, pathStat) {
			return &ingestFile{f: f, path: p}, nil
		}
		f.Close()
	}
}

// discard closes and deletes an ingest file that will not become a blob.
func (i *ingestFile) discard() {
	os.Remove(i.path) // while still locked, so nobody else races for it
	i.f.Close()
}

// writeBlob streams r into the store as blob want: into an ingest file,
// hashing while writing; it checks the size (when size >= 0) and digest,
// fsyncs, renames into blobs/ and fsyncs the directory. On any failure the
// ingest file is deleted. A wrong digest or a short or long stream wraps
// registryclient.ErrDigestMismatch. progress, if not nil, gets the byte
// count so far after each write. It reports whether it created the blob
// (false: someone else stored it first).
func (s *Store) writeBlob(ctx context.Context, r io.Reader, want v1.Hash, size int64, progress func(int64)) (created bool, err error) {
	if want.Algorithm != "sha256" || len(want.Hex) != 64 {
		return false, fmt.Errorf("write blob %s: unsupported digest algorithm: %w", want, ErrInvalid)
	}
	in, err := s.createIngest(ctx)
	if err != nil {
		return false, fmt.Errorf("write blob %s: %w", want, err)
	}
	h := sha256.New()
	n, err := copyWithContext(ctx, io.MultiWriter(in.f, h), r, progress)
	if err == nil && size >= 0 && n != size {
		err = fmt.Errorf("got %d bytes, want %d: %w", n, size, registryclient.ErrDigestMismatch)
	}
	if err == nil {
		if got := hashOf(h); got != want {
			err = fmt.Errorf("content hashes to %s: %w", got, registryclient.ErrDigestMismatch)
		}
	}
	if err == nil {
		err = in.f.Sync()
	}
	if err != nil {
		in.discard()
		return false, fmt.Errorf("write blob %s: %w", want, err)
	}
	final := s.blobPath(want)
	existed := s.hasBlob(want)
	if err := os.Rename(in.path, final); err != nil {
		in.discard()
		return false, fmt.Errorf("write blob %s: %w", want, err)
	}
	in.f.Close()
	if err := syncDir(filepath.Dir(final)); err != nil {
		return !existed, fmt.Errorf("write blob %s: %w", want, err)
	}
	return !existed, nil
}

func hashOf(h hash.Hash) v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}
}

// copyWithContext copies like io.Copy, stopping when ctx is done and
// reporting the running count to progress.
func copyWithContext(ctx context.Context, dst io.Writer, src io.Reader, progress func(int64)) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		m, rerr := src.Read(buf)
		if m > 0 {
			if _, werr := dst.Write(buf[:m]); werr != nil {
				return n, werr
			}
			n += int64(m)
			if progress != nil {
				progress(n)
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

// referencedBlobs lists every blob reachable from the images of idx:
// manifests, configs and layers.
func (s *Store) referencedBlobs(idx *index) (map[v1.Hash]bool, error) {
	refs := map[v1.Hash]bool{}
	for _, e := range idx.Images {
		m, err := s.manifest(e.Manifest)
		if err != nil {
			return nil, err
		}
		refs[e.Manifest] = true
		refs[m.Config.Digest] = true
		for _, l := range m.Layers {
			refs[l.Digest] = true
		}
	}
	return refs, nil
}

// referencedLayers lists the diffIDs of every image of idx: the unpacked
// layers to keep.
func (s *Store) referencedLayers(idx *index) (map[v1.Hash]bool, error) {
	refs := map[v1.Hash]bool{}
	for id := range idx.Images {
		h, err := v1.NewHash(id)
		if err != nil {
			return nil, fmt.Errorf("image %s: %v: %w", id, err, ErrCorrupt)
		}
		cf, err := s.configFile(h)
		if err != nil {
			return nil, err
		}
		for _, d := range cf.RootFS.DiffIDs {
			refs[d] = true
		}
	}
	return refs, nil
}

// unreferencedSize returns the size on disk of the blobs in set that no image of
// idx references any more: the bytes a collection of them reclaims.
func (s *Store) unreferencedSize(idx *index, set map[v1.Hash]bool) (int64, error) {
	refs, err := s.referencedBlobs(idx)
	if err != nil {
		return 0, err
	}
	var total int64
	for h := range set {
		if refs[h] {
			continue
		}
		if st, err := os.Stat(s.blobPath(h)); err == nil {
			total += st.Size()
		}
	}
	return total, nil
}

// collectGarbage deletes every blob and unpacked layer no image of idx
// references. Call it
// with the index lock held and idx just written. It needs the writer lock
// exclusively: writers (Pull, Load, Import, Write) hold it shared from
// before they look for a blob until their image is in the index, so a blob
// they wrote or decided to reuse is never deleted under them. When a writer
// is busy, collection is skipped; the next Remove or Prune collects.
func (s *Store) collectGarbage(ctx context.Context, idx *index) error {
	gc, err := s.lockFile(ctx, writerLockName, true, false)
	if errors.Is(err, flock.ErrLocked) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("collect blobs: %w", err)
	}
	defer gc.Close()
	refs, err := s.referencedBlobs(idx)
	if err != nil {
		return fmt.Errorf("collect blobs: %w", err)
	}
	dir := filepath.Join(s.dir, blobsDirName, "sha256")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("collect blobs: %w", err)
	}
	for _, e := range entries {
		h := v1.Hash{Algorithm: "sha256", Hex: e.Name()}
		if refs[h] {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("collect blobs: %w", err)
		}
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("collect blobs: %w", err)
	}
	layers, err := s.referencedLayers(idx)
	if err != nil {
		return fmt.Errorf("collect layers: %w", err)
	}
	return s.layers.Collect(layers)
}
