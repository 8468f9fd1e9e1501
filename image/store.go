package image

import (
	"context"
	"errors"
	"fmt"
	"github.com/berth-dev/berth/internal/flock"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/berth-dev/berth/internal/plainfile"
	"github.com/berth-dev/berth/layer"
	"github.com/berth-dev/berth/registryclient"
)

// Names of the files and directories under <root>/image.
const (
	storeDirName   = "image"
	blobsDirName   = "blobs"      // blobs/sha256/<hex>: verified content
	ingestDirName  = "ingest"     // ingest/<random>: blobs being written
	indexFileName  = "index.json" // names, manifests (and holds made before holds/)
	indexLockName  = "index.lock" // exclusive flock: index read-modify-write
	writerLockName = "gc.lock"    // shared by writers, exclusive for blob GC
	indexTempGlob  = "index.json.tmp-*"
)

// Store is an on-disk, content-addressed image store rooted at a directory.
// Safe for many goroutines and for several processes sharing one root.
type Store struct {
	dir    string       // <root>/image
	layers *layer.Store // <root>/layer: unpacked layers

	registryMu  sync.Mutex
	registry    *registryclient.Registry
	registryErr error
}

// Option configures Open.
type Option func(*storeConfig) error

type storeConfig struct {
	registry *registryclient.Registry
}

// WithRegistry sets the registry client used by Pull and Push (default:
// registryclient.New(), made on first use).
func WithRegistry(r *registryclient.Registry) Option {
	return func(c *storeConfig) error {
		if r == nil {
			return fmt.Errorf("registry client is nil: %w", ErrInvalid)
		}
		c.registry = r
		return nil
	}
}

// Open opens (creating if needed) the store under root and removes partial
// downloads that no live process owns.
func Open(ctx context.Context, root string, opts ...Option) (*Store, error) {
	if !platformSupported {
		return nil, fmt.Errorf("open image store %s: %w", root, ErrNotSupported)
	}
	var cfg storeConfig
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("open image store %s: %w", root, err)
		}
	}
	if root == "" {
		return nil, fmt.Errorf("open image store: empty root: %w", ErrInvalid)
	}
	s := &Store{dir: filepath.Join(root, storeDirName), registry: cfg.registry}
	for _, d := range []string{s.dir, filepath.Join(s.dir, blobsDirName, "sha256"), filepath.Join(s.dir, ingestDirName)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("open image store %s: %w", root, err)
		}
	}
	for _, l := range []string{indexLockName, writerLockName} {
		f, err := plainfile.Open(filepath.Join(s.dir, l), os.O_CREATE|os.O_RDWR, 0o644)
		if err != nil {
			return nil, fmt.Errorf("open image store %s: %w", root, err)
		}
		f.Close()
	}
	layers, err := layer.Open(ctx, root)
	if err != nil {
		return nil, fmt.Errorf("open image store %s: %w", root, err)
	}
	s.layers = layers
	if err := s.removeStaleIngest(ctx); err != nil {
		return nil, fmt.Errorf("open image store %s: %w", root, err)
	}
	if err := s.withIndexLock(ctx, func() error { return s.removeIndexTemps() }); err != nil {
		return nil, fmt.Errorf("open image store %s: %w", root, err)
	}
	if _, err := s.readIndex(); err != nil {
		return nil, fmt.Errorf("open image store %s: %w", root, err)
	}
	return s, nil
}

// Close releases the store's resources. The store holds no open files
// between calls, so Close only marks the end of use.
func (s *Store) Close() error { return nil }

// registryClient returns the client for Pull and Push, making the default
// one on first use.
func (s *Store) registryClient() (*registryclient.Registry, error) {
	s.registryMu.Lock()
	defer s.registryMu.Unlock()
	if s.registry == nil && s.registryErr == nil {
		s.registry, s.registryErr = registryclient.New()
	}
	return s.registry, s.registryErr
}

// lockFile opens the lock file called name and flocks it.
func (s *Store) lockFile(ctx context.Context, name string, exclusive, wait bool) (*os.File, error) {
	f, err := plainfile.Open(filepath.Join(s.dir, name), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := flock.Lock(ctx, f, exclusive, wait); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// withIndexLock runs fn holding the exclusive index lock.
func (s *Store) withIndexLock(ctx context.Context, fn func() error) error {
	f, err := s.lockFile(ctx, indexLockName, true, true)
	if err != nil {
		return err
	}
	defer f.Close()
	return fn()
}

// removeStaleIngest deletes ingest files whose writer is gone: a live
// writer holds an exclusive flock on its file for as long as it writes.
func (s *Store) removeStaleIngest(ctx context.Context) error {
	dir := filepath.Join(s.dir, ingestDirName)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		f, err := plainfile.Open(p, os.O_RDWR, 0)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		err = flock.Lock(ctx, f, true, false)
		if errors.Is(err, flock.ErrLocked) {
			f.Close()
			continue
		}
		if err != nil {
			f.Close()
			return err
		}
		rmErr := os.Remove(p)
		f.Close()
		if rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
			return rmErr
		}
	}
	return nil
}

// removeIndexTemps deletes half-written index files; call with the index lock.
func (s *Store) removeIndexTemps() error {
	matches, err := filepath.Glob(filepath.Join(s.dir, indexTempGlob))
	if err != nil {
		return err
	}
	for _, m := range matches {
		if strings.HasPrefix(filepath.Base(m), "index.json.tmp-") {
			if err := os.Remove(m); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

// syncDir fsyncs a directory so that a rename into it is durable.
func syncDir(dir string) error {
	d, err := plainfile.Open(dir, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
