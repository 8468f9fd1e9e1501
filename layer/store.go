package layer

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/internal/plainfile"
)

// Names under <root>/layer.
const (
	storeDirName  = "layer"
	layersDirName = "sha256" // sha256/<diffID hex>/{diff,size}: unpacked layers
	tmpDirName    = "tmp"    // tmp/<random>: unpacks and removals in progress
	diffDirName   = "diff"
	sizeFileName  = "size"
)

// Store keeps unpacked layers on disk, one directory per diffID, shared by
// every image that has the layer:
//
//	<root>/layer/sha256/<hex>/diff   the layer directory (overlayfs form)
//	<root>/layer/sha256/<hex>/size   bytes of content, for image sizes
//	<root>/layer/tmp/<random>/       unpacks in progress, flocked by their writer
//
// A layer is unpacked into tmp/ and renamed into place once its diffID is
// verified, so a directory under sha256/ is always complete; removal
// renames it back into tmp/ before deleting it. Open deletes whatever in
// tmp/ no live process holds, which is all a killed unpack leaves.
//
// The store does not count references itself: its owner (package image)
// knows which diffIDs its images list and calls Collect with them, under
// its own lock, so the count is derived rather than kept twice.
type Store struct {
	dir  string
	opts []UnpackOption
}

// Open opens (creating if needed) the layer store under root and removes
// unpacks that were interrupted. opts apply to every Unpack.
func Open(ctx context.Context, root string, opts ...UnpackOption) (*Store, error) {
	s := &Store{dir: filepath.Join(root, storeDirName), opts: opts}
	for _, d := range []string{filepath.Join(s.dir, layersDirName), filepath.Join(s.dir, tmpDirName)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("open layer store: %w", err)
		}
	}
	if err := s.removeAbandoned(); err != nil {
		return nil, fmt.Errorf("open layer store: %w", err)
	}
	return s, nil
}

// Info describes an unpacked layer.
type Info struct {
	DiffID v1.Hash
	Dir    string // the layer directory, to mount as a lower layer
	Size   int64  // bytes of regular-file content
}

func (s *Store) layerDir(diffID v1.Hash) string {
	return filepath.Join(s.dir, layersDirName, diffID.Hex)
}

func checkDiffID(diffID v1.Hash) error {
	if diffID.Algorithm != "sha256" || len(diffID.Hex) != 64 {
		return fmt.Errorf("%w: diffID %q", ErrInvalid, diffID)
	}
	if _, err := hex.DecodeString(diffID.Hex); err != nil {
		return fmt.Errorf("%w: diffID %q", ErrInvalid, diffID)
	}
	return nil
}

// Get returns the unpacked layer diffID, or ErrNotFound.
func (s *Store) Get(diffID v1.Hash) (Info, error) {
	if err := checkDiffID(diffID); err != nil {
		return Info{}, err
	}
	dir := s.layerDir(diffID)
	b, err := plainfile.ReadFile(filepath.Join(dir, sizeFileName))
	if errors.Is(err, os.ErrNotExist) {
		return Info{}, fmt.Errorf("layer %s: %w", diffID, ErrNotFound)
	}
	if err != nil {
		return Info{}, fmt.Errorf("layer %s: %w", diffID, err)
	}
	size, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return Info{}, fmt.Errorf("layer %s: bad size file: %w", diffID, ErrInvalid)
	}
	return Info{DiffID: diffID, Dir: filepath.Join(dir, diffDirName), Size: size}, nil
}

// Unpack decompresses (gzip, zstd or none, by content) and unpacks the
// layer blob r as diffID, verifying that the uncompressed stream hashes to
// diffID. On success it reads r to its end, so that r can be a tee of a
// download; on error it stops reading, and nothing is left behind. A layer
// already present is not unpacked again.
// opts add to the store's own (WithParents, typically).
func (s *Store) Unpack(ctx context.Context, diffID v1.Hash, r io.Reader, opts ...UnpackOption) (info Info, err error) {
	// On success consume r to its end: a writer teeing into it must not
	// block. On error the caller closes r (a pipe) to stop its writer.
	defer func() {
		if err != nil {
			return
		}
		if _, derr := io.Copy(io.Discard, r); derr != nil {
			err = fmt.Errorf("unpack layer %s: %w", diffID, derr)
		}
	}()
	if err := checkDiffID(diffID); err != nil {
		return Info{}, err
	}
	if info, err := s.Get(diffID); err == nil {
		return info, nil
	}
	tmp, lock, err := s.tempDir()
	if err != nil {
		return Info{}, fmt.Errorf("unpack layer %s: %w", diffID, err)
	}
	defer lock.Close()
	defer os.RemoveAll(tmp) // after a successful rename there is nothing left to remove
	diff := filepath.Join(tmp, diffDirName)
	if err := os.Mkdir(diff, 0o755); err != nil {
		return Info{}, fmt.Errorf("unpack layer %s: %w", diffID, err)
	}
	rc, _, err := Decompress(r)
	if err != nil {
		return Info{}, fmt.Errorf("unpack layer %s: %w", diffID, err)
	}
	// Inflate and hash on one core while Unpack creates files on another.
	// The read-ahead goroutine owns rc and closes it when it is done.
	h := sha256.New()
	ahead := newReadAhead(io.TeeReader(rc, h), func() { rc.Close() }, 1<<20, 8)
	defer ahead.Close()
	stats, err := Unpack(ctx, diff, ahead, append(slices.Clip(s.opts), opts...)...)
	if err != nil {
		return Info{}, fmt.Errorf("unpack layer %s: %w", diffID, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != diffID.Hex {
		return Info{}, fmt.Errorf("unpack layer %s: uncompressed content hashes to sha256:%s: %w", diffID, got, ErrDiffIDMismatch)
	}
	if err := plainfile.WriteFile(filepath.Join(tmp, sizeFileName), []byte(strconv.FormatInt(stats.Bytes, 10)), 0o600); err != nil {
		return Info{}, fmt.Errorf("unpack layer %s: %w", diffID, err)
	}
	if err := os.Rename(tmp, s.layerDir(diffID)); err != nil {
		if info, gerr := s.Get(diffID); gerr == nil {
			return info, nil // another process unpacked it first
		}
		return Info{}, fmt.Errorf("unpack layer %s: %w", diffID, err)
	}
	return Info{DiffID: diffID, Dir: filepath.Join(s.layerDir(diffID), diffDirName), Size: stats.Bytes}, nil
}

// Remove deletes the unpacked layer diffID. It disappears at once (it is
// renamed away first); a missing layer is not an error.
func (s *Store) Remove(diffID v1.Hash) error {
	if err := checkDiffID(diffID); err != nil {
		return err
	}
	tmp, lock, err := s.tempDir()
	if err != nil {
		return fmt.Errorf("remove layer %s: %w", diffID, err)
	}
	defer lock.Close()
	// Move the layer into the locked temp directory: it leaves sha256/ at
	// once, and a removal killed half-way is finished by the next Open.
	if err := os.Rename(s.layerDir(diffID), filepath.Join(tmp, "removing")); err != nil {
		os.RemoveAll(tmp)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("remove layer %s: %w", diffID, err)
	}
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("remove layer %s: %w", diffID, err)
	}
	return nil
}

// List returns the diffIDs of every unpacked layer.
func (s *Store) List() ([]v1.Hash, error) {
	entries, err := os.ReadDir(filepath.Join(s.dir, layersDirName))
	if err != nil {
		return nil, fmt.Errorf("list layers: %w", err)
	}
	var out []v1.Hash
	for _, e := range entries {
		h := v1.Hash{Algorithm: "sha256", Hex: e.Name()}
		if checkDiffID(h) == nil {
			out = append(out, h)
		}
	}
	return out, nil
}

// Collect removes every layer not in keep. Its caller holds whatever lock
// keeps new users of layers away meanwhile.
func (s *Store) Collect(keep map[v1.Hash]bool) error {
	all, err := s.List()
	if err != nil {
		return err
	}
	for _, h := range all {
		if !keep[h] {
			if err := s.Remove(h); err != nil {
				return err
			}
		}
	}
	return nil
}

// tempDir creates tmp/<random> and returns it with an exclusive flock
// held on it for as long as the returned file is open.
func (s *Store) tempDir() (string, *os.File, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, err
	}
	dir := filepath.Join(s.dir, tmpDirName, hex.EncodeToString(b[:]))
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", nil, err
	}
	f, err := plainfile.Open(dir, os.O_RDONLY, 0)
	if err != nil {
		os.Remove(dir)
		return "", nil, err
	}
	if err := lockDir(f, false); err != nil {
		f.Close()
		os.Remove(dir)
		return "", nil, err
	}
	return dir, f, nil
}

// removeAbandoned deletes temp directories whose writer is gone (their
// flock can be taken).
func (s *Store) removeAbandoned() error {
	tmpRoot := filepath.Join(s.dir, tmpDirName)
	entries, err := os.ReadDir(tmpRoot)
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := filepath.Join(tmpRoot, e.Name())
		f, err := plainfile.Open(p, os.O_RDONLY, 0)
		if err != nil {
			continue
		}
		if err := lockDir(f, true); err != nil {
			f.Close()
			continue // a live unpack or removal
		}
		err = os.RemoveAll(p)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
