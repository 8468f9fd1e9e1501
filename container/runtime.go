//go:build linux

package container

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/berth-dev/berth/image"
	"github.com/berth-dev/berth/internal/plainfile"
	"github.com/berth-dev/berth/internal/usage"
	"github.com/berth-dev/berth/internal/volume"
	"github.com/berth-dev/berth/layer"
)

// Names inside a runtime's directory, ROOT/container.
const (
	dirName       = "container"
	lockName      = "lock"      // exclusive flock around create, remove and names
	namesDir      = "names"     // names/NAME holds the ID of the container named NAME
	snapshotsDir  = "snapshots" // root filesystems (layer's overlay snapshotter)
	ownersDir     = "owners"    // programs that watch running containers (owners_linux.go)
	tmpPrefix     = ".tmp-"     // a container being created
	configFile    = "config.json"
	stateFile     = "state.json"
	nameClaimFile = "name" // a second link to names/NAME
	rootfsDirName = "rootfs"
	// restartingFile, in a container's directory, says that its process
	// is being stopped by Restart: an auto-removed container is kept.
	restartingFile = "restarting"
)

// Runtime owns a root directory's containers and volumes. It is safe for
// many goroutines, and several processes may open one root at once.
type Runtime struct {
	root     string     // ROOT
	dir      string     // ROOT/container
	imagesMu sync.Mutex // guards images and ownsImg
	images   *image.Store
	ownsImg  bool
	volumes  *volume.Store
	snap     layer.Snapshotter

	mu      sync.Mutex
	closed  bool
	owner   owner               // this program's registration as an owner
	live    map[string]*process // containers this process started and watches
	changed map[string]chan struct{}
	exits   map[string][]chan ExitStatus // waiters of exits this process watches
	holds   map[string][]*os.File        // waiters' holds on exits other processes watch (holdExit)
}

// Option configures Open.
type Option func(*options)

type options struct {
	images *image.Store
}

// WithImageStore makes the runtime use an image store the caller opened
// (on the same root); by default Open opens its own.
func WithImageStore(s *image.Store) Option {
	return func(o *options) { o.images = s }
}

// Open opens the runtime rooted at root (containers under ROOT/container,
// volumes under ROOT/volumes, images in ROOT's image store), creating it
// when missing. It recovers from what a killed program left: containers
// whose process died meanwhile are marked exited and their cgroups
// removed, and half-created containers are deleted.
func Open(ctx context.Context, root string, opts ...Option) (*Runtime, error) {
	if err := supported(); err != nil {
		return nil, err
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	r := &Runtime{
		root:    root,
		dir:     filepath.Join(root, dirName),
		images:  o.images,
		live:    map[string]*process{},
		changed: map[string]chan struct{}{},
		exits:   map[string][]chan ExitStatus{},
		holds:   map[string][]*os.File{},
	}
	for _, d := range []string{r.dir, filepath.Join(r.dir, namesDir), filepath.Join(r.dir, ownersDir)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("open container runtime: %w", err)
		}
	}
	var err error
	if r.volumes, err = volume.Open(ctx, root); err != nil {
		r.closeImages()
		return nil, fmt.Errorf("open container runtime: %w", err)
	}
	if r.snap, err = layer.NewSnapshotter(filepath.Join(r.dir, snapshotsDir)); err != nil {
		r.closeImages()
		return nil, fmt.Errorf("open container runtime: %w", err)
	}
	spreadSubdirs(r.dir)
	spreadSubdirs(filepath.Join(r.dir, snapshotsDir))
	if err := r.recover(ctx); err != nil {
		r.closeImages()
		return nil, fmt.Errorf("open container runtime: %w", err)
	}
	return r, nil
}

func (r *Runtime) closeImages() {
	r.imagesMu.Lock()
	defer r.imagesMu.Unlock()
	if r.ownsImg && r.images != nil {
		_ = r.images.Close()
	}
}

// imageStore returns the image store, opening the runtime's own on first
// use when Open was given none: exec, logs, ps and stop never need one,
// and opening it costs a program 0.3 ms.
func (r *Runtime) imageStore(ctx context.Context) (*image.Store, error) {
	r.imagesMu.Lock()
	defer r.imagesMu.Unlock()
	if r.images == nil {
		s, err := image.Open(context.WithoutCancel(ctx), r.root)
		if err != nil {
			return nil, fmt.Errorf("open image store: %w", err)
		}
		r.images, r.ownsImg = s, true
	}
	return r.images, nil
}

// Images is the image store the runtime creates containers from: the one
// given to Open (WithImageStore), or its own, opened on first use; nil
// when that cannot be opened (the operations that need it say why).
func (r *Runtime) Images() *image.Store {
	s, _ := r.imageStore(context.Background())
	return s
}

// Close stops every container this program started attached (they live as
// long as the program) and releases the runtime. Detached containers keep
// running under the root's monitor.
func (r *Runtime) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	procs := make([]*process, 0, len(r.live))
	for _, p := range r.live {
		procs = append(procs, p)
	}
	r.mu.Unlock()
	for _, p := range procs {
		p.kill()
		<-p.done
	}
	r.unregisterOwner()
	r.closeImages()
	return nil
}

func (r *Runtime) containerDir(id string) string { return filepath.Join(r.dir, id) }

// newID returns 64 random hex characters that are not all digits (so a
// prefix is never mistaken for a number, as Docker does).
func newID() string {
	for {
		var b [32]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		if strings.ContainsAny(id[:12], "abcdef") {
			return id
		}
	}
}

// Get returns the container with this name, ID or unique ID prefix.
func (r *Runtime) Get(ctx context.Context, nameOrID string) (*Container, error) {
	id, err := r.resolve(nameOrID)
	if err != nil {
		return nil, err
	}
	return &Container{rt: r, id: id}, nil
}

func (r *Runtime) resolve(nameOrID string) (string, error) {
	ref := strings.TrimPrefix(nameOrID, "/")
	if ref == "" {
		return "", fmt.Errorf("no such container: %q: %w", nameOrID, ErrNotFound)
	}
	if b, err := plainfile.ReadFile(filepath.Join(r.dir, namesDir, ref)); err == nil && !strings.Contains(ref, "/") {
		id := string(b)
		if _, err := os.Stat(filepath.Join(r.dir, id, configFile)); err == nil {
			return id, nil
		}
	}
	if isHex(ref) {
		if len(ref) == 64 {
			if _, err := os.Stat(filepath.Join(r.dir, ref, configFile)); err == nil {
				return ref, nil
			}
		} else {
			ids, err := r.ids()
			if err != nil {
				return "", err
			}
			var match []string
			for _, id := range ids {
				if strings.HasPrefix(id, ref) {
					match = append(match, id)
				}
			}
			switch len(match) {
			case 1:
				return match[0], nil
			case 0:
			default:
				return "", fmt.Errorf("multiple IDs found with provided prefix: %s: %w", ref, ErrConflict)
			}
		}
	}
	return "", fmt.Errorf("no such container: %s: %w", nameOrID, ErrNotFound)
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return s != ""
}

// ids lists the IDs of every complete container.
func (r *Runtime) ids() ([]string, error) {
	entries, err := os.ReadDir(r.dir)
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	var ids []string
	for _, e := range entries {
		if e.IsDir() && len(e.Name()) == 64 && isHex(e.Name()) {
			ids = append(ids, e.Name())
		}
	}
	return ids, nil
}

// ListOptions selects containers, as docker ps's flags and filters do.
type ListOptions struct {
	// All includes containers that are not running.
	All bool
	// Filters, each a list of accepted values (any may match); different
	// filters must all match. Keys as docker ps --filter: "id", "name",
	// "label" ("key" or "key=value"), "status", "ancestor", "exited".
	Filters map[string][]string
}

// List returns the containers the options select, newest first.
func (r *Runtime) List(ctx context.Context, opts ListOptions) ([]*Info, error) {
	f, err := compileFilters(opts.Filters)
	if err != nil {
		return nil, err
	}
	ids, err := r.ids()
	if err != nil {
		return nil, err
	}
	var out []*Info
	for _, id := range ids {
		c := &Container{rt: r, id: id}
		info, err := c.Inspect(ctx)
		if errors.Is(err, ErrNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		if !opts.All && !info.State.Running && len(f.status) == 0 {
			continue
		}
		if !f.match(ctx, r, info) {
			continue
		}
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b *Info) int { return b.Created.Compare(a.Created) })
	return out, nil
}

// Prune removes every stopped container and returns their IDs and the
// space their writable layers held, as docker container prune reports it
// (0 for a layer the snapshotter cannot show, as the copy one).
func (r *Runtime) Prune(ctx context.Context) ([]string, int64, error) {
	infos, err := r.List(ctx, ListOptions{All: true})
	if err != nil {
		return nil, 0, err
	}
	var removed []string
	var reclaimed int64
	var errs []error
	for _, info := range infos {
		if info.State.Running {
			continue
		}
		var size int64
		if upper, err := r.snap.Changes(ctx, info.ID); err == nil {
			size = usage.Dir(upper)
		}
		c := &Container{rt: r, id: info.ID}
		if err := c.Remove(ctx, RemoveOptions{}); err != nil {
			if !errors.Is(err, ErrNotFound) {
				errs = append(errs, err)
			}
			continue
		}
		removed = append(removed, info.ID)
		reclaimed += size
	}
	return removed, reclaimed, errors.Join(errs...)
}

// notify wakes the waiters of a container's state.
func (r *Runtime) notify(id string) {
	r.mu.Lock()
	if ch, ok := r.changed[id]; ok {
		close(ch)
		delete(r.changed, id)
	}
	r.mu.Unlock()
}

// changes returns a channel closed at the next local change of id's state.
func (r *Runtime) changes(id string) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	ch, ok := r.changed[id]
	if !ok {
		ch = make(chan struct{})
		r.changed[id] = ch
	}
	return ch
}

// onExit registers a channel that receives the next exit of id that this
// program watches.
func (r *Runtime) onExit(id string) chan ExitStatus {
	ch := make(chan ExitStatus, 1)
	r.mu.Lock()
	r.exits[id] = append(r.exits[id], ch)
	r.mu.Unlock()
	return ch
}

func (r *Runtime) forgetExit(id string, ch chan ExitStatus) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.exits[id] = slices.DeleteFunc(r.exits[id], func(c chan ExitStatus) bool { return c == ch })
	if len(r.exits[id]) == 0 {
		delete(r.exits, id)
	}
}

// exited hands an exit to the waiters onExit registered.
func (r *Runtime) exited(id string, s ExitStatus) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ch := range r.exits[id] {
		ch <- s
	}
	delete(r.exits, id)
}

// pollInterval is how often a waiter re-reads the state of a container
// another process watches.
const pollInterval = 20 * time.Millisecond

// removing reports whether container id's directory is moved aside for
// removal (or, before a create finishes, being built): it is not listed
// any more, but not gone yet.
func (r *Runtime) removing(id string) bool {
	_, err := os.Stat(filepath.Join(r.dir, tmpPrefix+id))
	return err == nil
}
