package image

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/internal/atomicfile"
	"github.com/berth-dev/berth/internal/plainfile"
)

// indexVersion is the format version of index.json.
const indexVersion = 1

// index is index.json: every image the store knows, keyed by ID.
type index struct {
	Version int                    `json:"version"`
	Images  map[string]*indexEntry `json:"images"` // key: ID ("sha256:<hex>")
}

// indexEntry is one image: its manifest and what refers to it.
type indexEntry struct {
	Manifest    v1.Hash   `json:"manifest"`              // manifest blob
	RepoTags    []string  `json:"repoTags,omitempty"`    // familiar "repo:tag"
	RepoDigests []string  `json:"repoDigests,omitempty"` // familiar "repo@sha256:..."
	Holds       []string  `json:"holds,omitempty"`       // container IDs
	Added       time.Time `json:"added"`
}

func newIndex() *index { return &index{Version: indexVersion, Images: map[string]*indexEntry{}} }

// readIndex reads index.json. Readers need no lock: the file is only ever
// replaced by rename, so a reader sees a whole old or a whole new index.
func (s *Store) readIndex() (*index, error) {
	data, err := plainfile.ReadFile(filepath.Join(s.dir, indexFileName))
	if errors.Is(err, os.ErrNotExist) {
		return newIndex(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	idx := newIndex()
	if err := json.Unmarshal(data, idx); err != nil {
		return nil, fmt.Errorf("read index: %v: %w", err, ErrCorrupt)
	}
	if idx.Version != indexVersion {
		return nil, fmt.Errorf("read index: version %d, want %d: %w", idx.Version, indexVersion, ErrCorrupt)
	}
	if idx.Images == nil {
		idx.Images = map[string]*indexEntry{}
	}
	return idx, nil
}

// writeIndex replaces index.json atomically: temp file, fsync, rename,
// directory fsync. Call with the index lock.
func (s *Store) writeIndex(idx *index) error { return s.writeIndexSync(idx, true) }

// writeIndexSync writes the index atomically; with durable it waits until
// the file and the rename are on disk, and without it the file is not
// written out before its time (atomicfile).
func (s *Store) writeIndexSync(idx *index, durable bool) error {
	data, err := json.MarshalIndent(idx, "", "\t")
	if err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	tmp := filepath.Join(s.dir, "index.json.tmp-"+randomName())
	if !durable {
		// Not waiting for the disk, so not making ext4 write it out
		// either (see atomicfile).
		if err := atomicfile.Write(filepath.Join(s.dir, indexFileName), tmp, data, 0o644); err != nil {
			return fmt.Errorf("write index: %w", err)
		}
		return nil
	}
	f, err := plainfile.Open(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(s.dir, indexFileName))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write index: %w", err)
	}
	if err := syncDir(s.dir); err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	return nil
}

// update re-reads the index under the exclusive index lock (another process
// may have changed it), lets fn change it and writes it back if fn succeeds.
func (s *Store) update(ctx context.Context, fn func(*index) error) error {
	return s.updateSync(ctx, fn, true)
}

// updateSync is update, waiting for the disk only when durable.
func (s *Store) updateSync(ctx context.Context, fn func(*index) error, durable bool) error {
	return s.withIndexLock(ctx, func() error {
		idx, err := s.readIndex()
		if err != nil {
			return err
		}
		if err := fn(idx); err != nil {
			return err
		}
		return s.writeIndexSync(idx, durable)
	})
}

func randomName() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// removeTagEverywhere drops tag from every image of idx.
func (idx *index) removeTagEverywhere(tag string) {
	for _, e := range idx.Images {
		e.RepoTags = slices.DeleteFunc(e.RepoTags, func(t string) bool { return t == tag })
	}
}

// addTag moves tag to the image id.
func (idx *index) addTag(id, tag string) {
	idx.removeTagEverywhere(tag)
	e := idx.Images[id]
	e.RepoTags = append(e.RepoTags, tag)
}

// addDigest records a repo digest on image id (a repo digest names exactly
// one manifest, so it cannot be on two images: it moves like a tag).
func (idx *index) addDigest(id, digest string) {
	for _, e := range idx.Images {
		e.RepoDigests = slices.DeleteFunc(e.RepoDigests, func(d string) bool { return d == digest })
	}
	e := idx.Images[id]
	e.RepoDigests = append(e.RepoDigests, digest)
}
