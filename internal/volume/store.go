package volume

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/berth-dev/berth/internal/flock"
	"github.com/berth-dev/berth/internal/plainfile"
	"github.com/berth-dev/berth/internal/usage"
)

// Names inside a store's directory, ROOT/volumes. Volume names start with a
// letter or digit, so the store's own entries, which start with '.', never
// collide with a volume.
const (
	dirName      = "volumes"
	lockName     = ".lock"       // flock: shared to read, exclusive to change
	tmpPrefix    = ".tmp-"       // a volume being created
	rmPrefix     = ".rm-"        // a volume being deleted
	metaFile     = "volume.json" // a volume's metadata, next to its data
	metaTmp      = metaFile + ".tmp-"
	dataDir      = "_data" // the volume's content: its mountpoint
	driverLocal  = "local"
	scopeLocal   = "local"
	storeDirMode = 0o701 // others may traverse to a mountpoint, not list volumes
)

// Volume is a volume as docker volume inspect shows it, plus what the store
// keeps to decide removal.
type Volume struct {
	Name string
	// Driver is always "local": the data is a directory on the host.
	Driver string
	// Mountpoint is the host directory holding the data (ROOT/volumes/NAME/_data).
	Mountpoint string
	CreatedAt  time.Time
	Labels     map[string]string
	// Options are the driver's options; the local driver takes none yet.
	Options map[string]string
	// Scope is always "local".
	Scope string
	// Anonymous volumes were created without a name (or carry
	// AnonymousLabel); Prune removes them by default.
	Anonymous bool `json:",omitempty"`
	// UsedBy are the IDs of the containers that acquired the volume, sorted.
	UsedBy []string `json:",omitempty"`
}

// Store keeps the volumes of one root directory. A Store holds no open
// files and no state of its own: every call locks, reads and writes the
// directory, so many Stores, in one process or several, can share a root.
type Store struct {
	dir string // ROOT/volumes, absolute
}

// Open opens the volume store of root (kept in ROOT/volumes), creating it
// when missing, and removes what a killed process left behind: volumes it
// was creating or deleting, and metadata it was rewriting.
func Open(ctx context.Context, root string) (*Store, error) {
	if !platformSupported {
		return nil, fmt.Errorf("open volume store: %w", ErrNotSupported)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("open volume store: %w", err)
	}
	s := &Store{dir: filepath.Join(abs, dirName)}
	if err := os.MkdirAll(s.dir, storeDirMode); err != nil {
		return nil, fmt.Errorf("open volume store: %w", err)
	}
	unlock, err := s.lock(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("open volume store: %w", err)
	}
	defer unlock()
	if err := s.recover(ctx); err != nil {
		return nil, fmt.Errorf("open volume store: %w", err)
	}
	return s, nil
}

// recover deletes half-created volumes (.tmp-*, which exist only while their
// creator holds the store lock, so any seen under the lock are orphans),
// half-deleted ones (.rm-*, unless a live process still holds their flock)
// and metadata temp files. The caller holds the store lock.
func (s *Store) recover(ctx context.Context) error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		p := filepath.Join(s.dir, name)
		switch {
		case strings.HasPrefix(name, tmpPrefix):
			if err := os.RemoveAll(p); err != nil {
				return err
			}
		case strings.HasPrefix(name, rmPrefix):
			if err := s.finishRemoval(ctx, p); err != nil {
				return err
			}
		case e.IsDir() && validName(name):
			temps, err := filepath.Glob(filepath.Join(p, metaTmp+"*"))
			if err != nil {
				return err
			}
			for _, t := range temps {
				if err := os.Remove(t); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return err
				}
			}
		}
	}
	return nil
}

// finishRemoval deletes a .rm-* directory a killed process left, unless
// its remover is alive (it holds the directory's flock while deleting).
func (s *Store) finishRemoval(ctx context.Context, p string) error {
	f, err := plainfile.Open(p, os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	switch err := flock.Lock(ctx, f, true, false); {
	case errors.Is(err, flock.ErrLocked):
		return nil // its remover is at work
	case err != nil:
		return err
	}
	return os.RemoveAll(p)
}

// Path is the host directory holding the data of the volume called name
// (its Mountpoint), whether or not the volume exists; "" for an invalid
// name.
func (s *Store) Path(name string) string {
	if !validName(name) {
		return ""
	}
	return filepath.Join(s.dir, name, dataDir)
}

// Create creates the volume called name with labels and returns it. An
// empty name creates an anonymous volume with a random 64-hex-digit name,
// labelled AnonymousLabel. As with docker volume create, creating a volume
// that exists returns it unchanged (its labels are not updated). A name that
// does not match NameChars is refused with an error wrapping ErrInvalid.
func (s *Store) Create(ctx context.Context, name string, labels map[string]string) (*Volume, error) {
	anonymous := name == ""
	if _, ok := labels[AnonymousLabel]; ok {
		anonymous = true
	}
	if name == "" {
		var err error
		if name, err = anonymousName(); err != nil {
			return nil, fmt.Errorf("create volume: %w", err)
		}
	}
	if err := ValidateName(name); err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	unlock, err := s.lock(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	defer unlock()
	switch v, err := s.load(name); {
	case err == nil:
		return v, nil
	case !errors.Is(err, ErrNotFound):
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	v := &Volume{
		Name:       name,
		Driver:     driverLocal,
		Mountpoint: s.Path(name),
		CreatedAt:  time.Now().UTC(),
		Labels:     maps.Clone(labels),
		Scope:      scopeLocal,
		Anonymous:  anonymous,
	}
	if anonymous {
		if v.Labels == nil {
			v.Labels = map[string]string{}
		}
		if _, ok := v.Labels[AnonymousLabel]; !ok {
			v.Labels[AnonymousLabel] = ""
		}
	}
	if err := s.create(v); err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	return v, nil
}

// create builds the volume's directory under a temporary name and renames
// it into place, so a volume is either wholly there or not at all. The
// caller holds the store lock exclusively.
func (s *Store) create(v *Volume) (err error) {
	tmp, err := os.MkdirTemp(s.dir, tmpPrefix)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	data := filepath.Join(tmp, dataDir)
	if err := os.Mkdir(data, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(data, 0o755); err != nil { // whatever the umask
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := writeSynced(filepath.Join(tmp, metaFile), b); err != nil {
		return err
	}
	if err := syncDir(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, v.Name)); err != nil {
		if errors.Is(err, fs.ErrExist) || errors.Is(err, syscall.ENOTEMPTY) {
			return fmt.Errorf("%s exists but holds no volume metadata", filepath.Join(s.dir, v.Name))
		}
		return err
	}
	return syncDir(s.dir)
}

// Get returns the volume called name, or an error wrapping ErrNotFound
// ("get NAME: no such volume").
func (s *Store) Get(ctx context.Context, name string) (*Volume, error) {
	if err := ValidateName(name); err != nil {
		return nil, fmt.Errorf("get %s: %w", name, err)
	}
	unlock, err := s.lock(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", name, err)
	}
	defer unlock()
	v, err := s.load(name)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", name, err)
	}
	return v, nil
}

// Filter selects volumes in List, with docker volume ls --filter's meaning.
// Every set field must match.
type Filter struct {
	// Dangling selects volumes no container uses (true) or volumes in use
	// (false).
	Dangling *bool
	// Names selects volumes whose name matches any entry: equals it, or
	// contains a match of it read as a regular expression, as Docker
	// matches (so "data" selects "mydata1"; an entry that is not a valid
	// regular expression matches only by equality).
	Names []string
	// Labels selects volumes carrying every entry: "key" (any value) or
	// "key=value".
	Labels []string
}

// List returns the volumes that match f, sorted by name.
func (s *Store) List(ctx context.Context, f Filter) ([]*Volume, error) {
	match := f.matcher()
	unlock, err := s.lock(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	defer unlock()
	all, err := s.loadAll()
	if err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	out := all[:0]
	for _, v := range all {
		if match(v) {
			out = append(out, v)
		}
	}
	return out, nil
}

// matcher compiles f once for a listing.
func (f Filter) matcher() func(*Volume) bool {
	var patterns []*regexp.Regexp
	for _, n := range f.Names {
		if re, err := regexp.Compile(n); err == nil {
			patterns = append(patterns, re)
		}
	}
	return func(v *Volume) bool {
		if f.Dangling != nil && *f.Dangling != (len(v.UsedBy) == 0) {
			return false
		}
		if len(f.Names) > 0 {
			ok := slices.Contains(f.Names, v.Name)
			for _, re := range patterns {
				ok = ok || re.MatchString(v.Name)
			}
			if !ok {
				return false
			}
		}
		for _, l := range f.Labels {
			key, want, hasValue := strings.Cut(l, "=")
			got, ok := v.Labels[key]
			if !ok || hasValue && got != want {
				return false
			}
		}
		return true
	}
}

// Acquire records that the container user uses the volume called name, so
// that Remove and Prune leave it alone until Release. Acquiring twice is
// the same as once. The volume must exist: callers Create it first.
func (s *Store) Acquire(ctx context.Context, name, user string) error {
	return s.update(ctx, "acquire", name, user, func(v *Volume) bool {
		if slices.Contains(v.UsedBy, user) {
			return false
		}
		v.UsedBy = append(v.UsedBy, user)
		slices.Sort(v.UsedBy)
		return true
	})
}

// Release records that the container user no longer uses the volume called
// name. Releasing a volume the container does not hold does nothing, so
// that cleaning up after a crash can release everything it may have held.
func (s *Store) Release(ctx context.Context, name, user string) error {
	return s.update(ctx, "release", name, user, func(v *Volume) bool {
		i := slices.Index(v.UsedBy, user)
		if i < 0 {
			return false
		}
		v.UsedBy = slices.Delete(v.UsedBy, i, i+1)
		return true
	})
}

// update applies change to the volume's metadata under the exclusive lock
// and writes it back when change reports a change.
func (s *Store) update(ctx context.Context, op, name, user string, change func(*Volume) bool) error {
	if err := ValidateName(name); err != nil {
		return fmt.Errorf("%s %s: %w", op, name, err)
	}
	if user == "" {
		return fmt.Errorf("%s %s: empty container ID: %w", op, name, ErrInvalid)
	}
	unlock, err := s.lock(ctx, true)
	if err != nil {
		return fmt.Errorf("%s %s: %w", op, name, err)
	}
	defer unlock()
	v, err := s.load(name)
	if err != nil {
		return fmt.Errorf("%s %s: %w", op, name, err)
	}
	if !change(v) {
		return nil
	}
	if err := s.save(v); err != nil {
		return fmt.Errorf("%s %s: %w", op, name, err)
	}
	return nil
}

// Remove deletes the volume called name and its data. A volume that
// containers use is refused with an *InUseError (wrapping ErrInUse) naming
// them; force does not override that, as in Docker. A missing volume is
// an error wrapping ErrNotFound, unless force.
func (s *Store) Remove(ctx context.Context, name string, force bool) error {
	if err := ValidateName(name); err != nil {
		return fmt.Errorf("remove %s: %w", name, err)
	}
	unlock, err := s.lock(ctx, true)
	if err != nil {
		return fmt.Errorf("remove %s: %w", name, err)
	}
	v, err := s.load(name)
	switch {
	case errors.Is(err, ErrNotFound) && force:
		unlock()
		return nil
	case err != nil:
		unlock()
		return fmt.Errorf("remove %s: %w", name, err)
	case len(v.UsedBy) > 0:
		unlock()
		return fmt.Errorf("remove %s: %w", name, &InUseError{Volume: name, Users: v.UsedBy})
	}
	doomed, err := s.detach(ctx, name)
	unlock()
	if doomed != nil {
		_, derr := doomed.delete()
		err = errors.Join(err, derr)
	}
	if err != nil {
		return fmt.Errorf("remove %s: %w", name, err)
	}
	return nil
}

// Prune removes the volumes no container uses: only anonymous ones, as
// Docker 23 and later do, unless all. It returns the removed names, sorted,
// and the bytes their data held.
func (s *Store) Prune(ctx context.Context, all bool) (removed []string, reclaimed int64, err error) {
	unlock, err := s.lock(ctx, true)
	if err != nil {
		return nil, 0, fmt.Errorf("prune volumes: %w", err)
	}
	vols, err := s.loadAll()
	if err != nil {
		unlock()
		return nil, 0, fmt.Errorf("prune volumes: %w", err)
	}
	var (
		doomed []*detached
		errs   []error
	)
	for _, v := range vols {
		if len(v.UsedBy) > 0 || !(all || v.Anonymous) {
			continue
		}
		d, err := s.detach(ctx, v.Name)
		if d != nil {
			doomed = append(doomed, d)
			removed = append(removed, v.Name)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", v.Name, err))
			break
		}
	}
	unlock()
	for _, d := range doomed {
		n, err := d.delete()
		reclaimed += n
		if err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", d.name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return removed, reclaimed, fmt.Errorf("prune volumes: %w", err)
	}
	return removed, reclaimed, nil
}

// detached is a volume renamed out of the store, being deleted: it holds
// the directory's flock so that a concurrent Open leaves it to us.
type detached struct {
	name string
	dir  string
	f    *os.File
}

// detach renames the volume's directory to a .rm-* name, under the store
// lock (which the caller holds exclusively), so it vanishes from the store
// at once and its data can be deleted without the lock. Once renamed, the
// volume is returned even with an error, and must be deleted.
func (s *Store) detach(ctx context.Context, name string) (*detached, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	d := &detached{name: name, dir: filepath.Join(s.dir, rmPrefix+hex.EncodeToString(b[:]))}
	f, err := plainfile.Open(filepath.Join(s.dir, name), os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	if err := flock.Lock(ctx, f, true, false); err != nil {
		f.Close()
		return nil, err
	}
	if err := os.Rename(filepath.Join(s.dir, name), d.dir); err != nil {
		f.Close()
		return nil, err
	}
	d.f = f
	if err := syncDir(s.dir); err != nil {
		return d, err
	}
	return d, nil
}

// delete measures and deletes a detached volume; it returns the bytes its
// data held.
func (d *detached) delete() (int64, error) {
	defer d.f.Close()
	size := usage.Dir(filepath.Join(d.dir, dataDir))
	if err := os.RemoveAll(d.dir); err != nil {
		return 0, err
	}
	return size, nil
}

// load reads the volume called name; the caller holds the store lock.
func (s *Store) load(name string) (*Volume, error) {
	b, err := plainfile.ReadFile(filepath.Join(s.dir, name, metaFile))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var v Volume
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("read %s: %w", metaFile, err)
	}
	v.Name = name
	v.Mountpoint = s.Path(name) // the root may have moved since
	return &v, nil
}

// loadAll reads every volume, sorted by name; the caller holds the lock.
// Directories without metadata are not volumes and are skipped.
func (s *Store) loadAll() ([]*Volume, error) {
	entries, err := os.ReadDir(s.dir) // sorted by name
	if err != nil {
		return nil, err
	}
	var out []*Volume
	for _, e := range entries {
		if !e.IsDir() || !validName(e.Name()) {
			continue
		}
		v, err := s.load(e.Name())
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("volume %s: %w", e.Name(), err)
		}
		out = append(out, v)
	}
	return out, nil
}

// save rewrites the volume's metadata atomically: a synced temp file
// renamed over the old one. The caller holds the store lock exclusively.
func (s *Store) save(v *Volume) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dir := filepath.Join(s.dir, v.Name)
	f, err := os.CreateTemp(dir, metaTmp)
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, metaFile))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// lock takes the store lock, shared or exclusive, on a file of its own;
// the returned function releases it.
func (s *Store) lock(ctx context.Context, exclusive bool) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := plainfile.Open(filepath.Join(s.dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := flock.Lock(ctx, f, exclusive, true); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// writeSynced writes a new file and syncs it.
func writeSynced(path string, b []byte) error {
	f, err := plainfile.Open(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes a directory's entries (a rename, a new file) durable.
func syncDir(dir string) error {
	f, err := plainfile.Open(dir, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
