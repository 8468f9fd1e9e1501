//go:build linux

package volume

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func openStore(t *testing.T) (*Store, string) {
	t.Helper()
	root := t.TempDir()
	s, err := Open(context.Background(), root)
	require.NoError(t, err)
	return s, root
}

func names(vols []*Volume) []string {
	out := []string{}
	for _, v := range vols {
		out = append(out, v.Name)
	}
	return out
}

func TestCreateAndGet(t *testing.T) {
	ctx := context.Background()
	s, root := openStore(t)
	before := time.Now()
	v, err := s.Create(ctx, "data", map[string]string{"app": "web"})
	require.NoError(t, err)

	mountpoint := filepath.Join(root, "volumes", "data", "_data")
	assert.Equal(t, "data", v.Name)
	assert.Equal(t, "local", v.Driver)
	assert.Equal(t, "local", v.Scope)
	assert.Equal(t, mountpoint, v.Mountpoint)
	assert.Equal(t, mountpoint, s.Path("data"))
	assert.Equal(t, map[string]string{"app": "web"}, v.Labels)
	assert.False(t, v.Anonymous)
	assert.Empty(t, v.UsedBy)
	assert.False(t, v.CreatedAt.Before(before.Add(-time.Second)))

	fi, err := os.Stat(mountpoint)
	require.NoError(t, err)
	assert.True(t, fi.IsDir())
	assert.Equal(t, os.FileMode(0o755), fi.Mode().Perm())
	require.NoError(t, os.WriteFile(filepath.Join(mountpoint, "f"), []byte("x"), 0o644))

	got, err := s.Get(ctx, "data")
	require.NoError(t, err)
	assert.Equal(t, v.Name, got.Name)
	assert.Equal(t, v.Labels, got.Labels)
	assert.True(t, v.CreatedAt.Equal(got.CreatedAt))
	assert.Equal(t, mountpoint, got.Mountpoint)

	// The metadata is JSON with Docker's field names.
	b, err := os.ReadFile(filepath.Join(root, "volumes", "data", "volume.json"))
	require.NoError(t, err)
	var raw map[string]any
	require.NoError(t, json.Unmarshal(b, &raw))
	for _, k := range []string{"Name", "Driver", "Mountpoint", "CreatedAt", "Labels", "Options", "Scope"} {
		assert.Contains(t, raw, k)
	}
}

func TestCreateIsIdempotent(t *testing.T) {
	ctx := context.Background()
	s, root := openStore(t)
	first, err := s.Create(ctx, "data", map[string]string{"v": "1"})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(first.Mountpoint, "keep"), []byte("x"), 0o644))

	again, err := s.Create(ctx, "data", map[string]string{"v": "2"})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"v": "1"}, again.Labels, "an existing volume is returned unchanged")
	assert.True(t, first.CreatedAt.Equal(again.CreatedAt))
	assert.FileExists(t, filepath.Join(root, "volumes", "data", "_data", "keep"))
}

func TestCreateAnonymous(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	a, err := s.Create(ctx, "", nil)
	require.NoError(t, err)
	b, err := s.Create(ctx, "", map[string]string{"x": "y"})
	require.NoError(t, err)

	assert.Regexp(t, `^[0-9a-f]{64}$`, a.Name)
	assert.NotEqual(t, a.Name, b.Name)
	assert.True(t, a.Anonymous)
	assert.Equal(t, map[string]string{AnonymousLabel: ""}, a.Labels)
	assert.Equal(t, map[string]string{AnonymousLabel: "", "x": "y"}, b.Labels)
	got, err := s.Get(ctx, a.Name)
	require.NoError(t, err)
	assert.True(t, got.Anonymous)

	// Docker's label marks a named volume anonymous too.
	c, err := s.Create(ctx, "labelled", map[string]string{AnonymousLabel: ""})
	require.NoError(t, err)
	assert.True(t, c.Anonymous)
}

func TestValidateName(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  string // "" when valid
	}{
		{"ab", ""},
		{"my-data_1.0", ""},
		{"0volume", ""},
		{"A-", ""},
		{strings.Repeat("a", 255), ""},
		{"a", "volume name is too short, names should be at least two alphanumeric characters"},
		{"foo/bar", `"foo/bar" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`},
		{"hello world", `"hello world" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`},
		{"../etc", "includes invalid characters"},
		{".data", "includes invalid characters"},
		{"-data", "includes invalid characters"},
		{"_data", "includes invalid characters"},
		{"da:ta", "includes invalid characters"},
		{"dätä", "includes invalid characters"},
		{"~/data", "includes invalid characters"},
		{strings.Repeat("a", 256), "volume name is too long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateName(tc.name)
			if tc.msg == "" {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestInvalidNamesAreRefusedEverywhere(t *testing.T) {
	ctx := context.Background()
	s, root := openStore(t)
	for _, name := range []string{"../../escape", "a", "a/b", ".lock"} {
		_, err := s.Create(ctx, name, nil)
		assert.ErrorIs(t, err, ErrInvalid, "create %q", name)
		_, err = s.Get(ctx, name)
		assert.ErrorIs(t, err, ErrInvalid, "get %q", name)
		assert.ErrorIs(t, s.Acquire(ctx, name, "c1"), ErrInvalid)
		assert.ErrorIs(t, s.Release(ctx, name, "c1"), ErrInvalid)
		assert.ErrorIs(t, s.Remove(ctx, name, true), ErrInvalid)
		assert.Empty(t, s.Path(name))
	}
	assert.NoDirExists(t, filepath.Join(root, "escape"))
}

func TestGetMissing(t *testing.T) {
	s, _ := openStore(t)
	_, err := s.Get(context.Background(), "nope")
	require.ErrorIs(t, err, ErrNotFound)
	assert.EqualError(t, err, "get nope: no such volume")
}

func TestList(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	_, err := s.Create(ctx, "web-data", map[string]string{"app": "web", "tier": "front"})
	require.NoError(t, err)
	_, err = s.Create(ctx, "db-data", map[string]string{"app": "db"})
	require.NoError(t, err)
	_, err = s.Create(ctx, "cache", nil)
	require.NoError(t, err)
	require.NoError(t, s.Acquire(ctx, "db-data", "c1"))
	// A directory without metadata is not a volume.
	require.NoError(t, os.Mkdir(filepath.Join(s.dir, "stray"), 0o755))

	yes, no := true, false
	for _, tc := range []struct {
		name   string
		filter Filter
		want   []string
	}{
		{"all, sorted", Filter{}, []string{"cache", "db-data", "web-data"}},
		{"dangling", Filter{Dangling: &yes}, []string{"cache", "web-data"}},
		{"in use", Filter{Dangling: &no}, []string{"db-data"}},
		{"name substring", Filter{Names: []string{"data"}}, []string{"db-data", "web-data"}},
		{"name regexp", Filter{Names: []string{"^c"}}, []string{"cache"}},
		{"names are or-ed", Filter{Names: []string{"^web", "^cache$"}}, []string{"cache", "web-data"}},
		{"bad regexp matches by equality", Filter{Names: []string{"cache(", "cache"}}, []string{"cache"}},
		{"label key", Filter{Labels: []string{"app"}}, []string{"db-data", "web-data"}},
		{"label key=value", Filter{Labels: []string{"app=web"}}, []string{"web-data"}},
		{"labels are and-ed", Filter{Labels: []string{"app", "tier=front"}}, []string{"web-data"}},
		{"label empty value", Filter{Labels: []string{"app="}}, []string{}},
		{"everything and-ed", Filter{Dangling: &yes, Names: []string{"data"}, Labels: []string{"app=db"}}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vols, err := s.List(ctx, tc.filter)
			require.NoError(t, err)
			assert.Equal(t, tc.want, names(vols))
		})
	}
}

func TestAcquireRelease(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	_, err := s.Create(ctx, "data", nil)
	require.NoError(t, err)

	require.NoError(t, s.Acquire(ctx, "data", "c2"))
	require.NoError(t, s.Acquire(ctx, "data", "c1"))
	require.NoError(t, s.Acquire(ctx, "data", "c1"), "acquiring twice is acquiring once")
	v, err := s.Get(ctx, "data")
	require.NoError(t, err)
	assert.Equal(t, []string{"c1", "c2"}, v.UsedBy)

	require.NoError(t, s.Release(ctx, "data", "c2"))
	require.NoError(t, s.Release(ctx, "data", "c9"), "releasing what is not held does nothing")
	v, err = s.Get(ctx, "data")
	require.NoError(t, err)
	assert.Equal(t, []string{"c1"}, v.UsedBy)

	assert.ErrorIs(t, s.Acquire(ctx, "missing", "c1"), ErrNotFound, "callers create volumes first")
	assert.ErrorIs(t, s.Release(ctx, "missing", "c1"), ErrNotFound)
	assert.ErrorIs(t, s.Acquire(ctx, "data", ""), ErrInvalid)
}

func TestRemove(t *testing.T) {
	ctx := context.Background()
	s, root := openStore(t)
	v, err := s.Create(ctx, "data", nil)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(v.Mountpoint, "f"), []byte("content"), 0o644))
	require.NoError(t, s.Acquire(ctx, "data", "c2"))
	require.NoError(t, s.Acquire(ctx, "data", "c1"))

	for _, force := range []bool{false, true} {
		err = s.Remove(ctx, "data", force)
		require.ErrorIs(t, err, ErrInUse, "force does not override in use")
		var inUse *InUseError
		require.ErrorAs(t, err, &inUse)
		assert.Equal(t, "data", inUse.Volume)
		assert.Equal(t, []string{"c1", "c2"}, inUse.Users)
		assert.EqualError(t, err, "remove data: volume is in use - [c1, c2]")
	}

	require.NoError(t, s.Release(ctx, "data", "c1"))
	require.NoError(t, s.Release(ctx, "data", "c2"))
	require.NoError(t, s.Remove(ctx, "data", false))
	_, err = s.Get(ctx, "data")
	assert.ErrorIs(t, err, ErrNotFound)
	entries, err := os.ReadDir(filepath.Join(root, "volumes"))
	require.NoError(t, err)
	assert.Equal(t, []string{".lock"}, dirNames(entries), "data and metadata are gone")

	err = s.Remove(ctx, "data", false)
	require.ErrorIs(t, err, ErrNotFound)
	assert.EqualError(t, err, "remove data: no such volume")
	assert.NoError(t, s.Remove(ctx, "data", true), "force ignores a missing volume")

	// The name can be reused, and starts empty.
	v, err = s.Create(ctx, "data", nil)
	require.NoError(t, err)
	entries, err = os.ReadDir(v.Mountpoint)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func dirNames(entries []os.DirEntry) []string {
	out := []string{}
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	anonFree, err := s.Create(ctx, "", nil)
	require.NoError(t, err)
	anonUsed, err := s.Create(ctx, "", nil)
	require.NoError(t, err)
	require.NoError(t, s.Acquire(ctx, anonUsed.Name, "c1"))
	named, err := s.Create(ctx, "named", nil)
	require.NoError(t, err)
	namedUsed, err := s.Create(ctx, "named-used", nil)
	require.NoError(t, err)
	require.NoError(t, s.Acquire(ctx, namedUsed.Name, "c1"))

	require.NoError(t, os.WriteFile(filepath.Join(anonFree.Mountpoint, "a"), make([]byte, 1000), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(anonFree.Mountpoint, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(anonFree.Mountpoint, "sub", "b"), make([]byte, 24), 0o644))
	require.NoError(t, os.Link(filepath.Join(anonFree.Mountpoint, "a"), filepath.Join(anonFree.Mountpoint, "a-link")))
	require.NoError(t, os.WriteFile(filepath.Join(named.Mountpoint, "n"), make([]byte, 500), 0o644))

	removed, reclaimed, err := s.Prune(ctx, false)
	require.NoError(t, err)
	assert.Equal(t, []string{anonFree.Name}, removed, "only unused anonymous volumes by default")
	assert.Equal(t, int64(1024), reclaimed, "a hardlinked file counts once")

	removed, reclaimed, err = s.Prune(ctx, true)
	require.NoError(t, err)
	assert.Equal(t, []string{"named"}, removed, "all: named ones too, never those in use")
	assert.Equal(t, int64(500), reclaimed)

	vols, err := s.List(ctx, Filter{})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{anonUsed.Name, "named-used"}, names(vols))

	removed, reclaimed, err = s.Prune(ctx, true)
	require.NoError(t, err)
	assert.Empty(t, removed)
	assert.Zero(t, reclaimed)
}

// A killed process leaves a half-created volume (.tmp-*), a half-deleted
// one (.rm-*) and a metadata temp file; Open removes them and nothing else.
func TestOpenRemovesWhatACrashLeft(t *testing.T) {
	ctx := context.Background()
	s, root := openStore(t)
	v, err := s.Create(ctx, "keep", nil)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(v.Mountpoint, "f"), []byte("x"), 0o644))
	dir := filepath.Join(root, "volumes")

	halfCreated := filepath.Join(dir, ".tmp-123")
	require.NoError(t, os.MkdirAll(filepath.Join(halfCreated, "_data"), 0o755))
	halfDeleted := filepath.Join(dir, ".rm-456")
	require.NoError(t, os.MkdirAll(filepath.Join(halfDeleted, "_data", "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(halfDeleted, "_data", "sub", "f"), []byte("x"), 0o644))
	metaTemp := filepath.Join(dir, "keep", "volume.json.tmp-789")
	require.NoError(t, os.WriteFile(metaTemp, []byte("{"), 0o600))
	// A directory a live process is deleting (it holds its flock) is left to it.
	beingDeleted := filepath.Join(dir, ".rm-live")
	require.NoError(t, os.Mkdir(beingDeleted, 0o755))
	held, err := os.Open(beingDeleted)
	require.NoError(t, err)
	defer held.Close()
	require.NoError(t, unix.Flock(int(held.Fd()), unix.LOCK_EX))

	s2, err := Open(ctx, root)
	require.NoError(t, err)
	assert.NoDirExists(t, halfCreated)
	assert.NoDirExists(t, halfDeleted)
	assert.NoFileExists(t, metaTemp)
	assert.DirExists(t, beingDeleted)
	got, err := s2.Get(ctx, "keep")
	require.NoError(t, err)
	assert.FileExists(t, filepath.Join(got.Mountpoint, "f"))

	held.Close()
	_, err = Open(ctx, root)
	require.NoError(t, err)
	assert.NoDirExists(t, beingDeleted, "once its deleter is gone")
}

func TestLockWaitHonoursContext(t *testing.T) {
	s, root := openStore(t)
	// Another process holds the store lock.
	f, err := os.OpenFile(filepath.Join(root, "volumes", ".lock"), os.O_RDWR, 0)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, unix.Flock(int(f.Fd()), unix.LOCK_EX))

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = s.Create(ctx, "data", nil)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	_, err = s.List(ctx, Filter{})
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	require.NoError(t, unix.Flock(int(f.Fd()), unix.LOCK_UN))
	_, err = s.Create(context.Background(), "data", nil)
	assert.NoError(t, err)
}

// Two Stores on one root (as two processes would have), used from many
// goroutines at once, keep every acquisition and lose no volume.
func TestConcurrentStores(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	var stores [2]*Store
	for i := range stores {
		var err error
		stores[i], err = Open(ctx, root)
		require.NoError(t, err)
	}

	const workers, rounds = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers*rounds*8)
	for w := range 2 * workers {
		s := stores[w%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				user := fmt.Sprintf("c%d-%d", w, r)
				own := fmt.Sprintf("own-%d-%d", w, r)
				// Everyone creates the shared volume; creation is idempotent.
				if _, err := s.Create(ctx, "shared", map[string]string{"by": user}); err != nil {
					errs <- err
				}
				if err := s.Acquire(ctx, "shared", user); err != nil {
					errs <- err
				}
				if _, err := s.Create(ctx, own, nil); err != nil {
					errs <- err
				}
				anon, err := s.Create(ctx, "", nil)
				if err != nil {
					errs <- err
					continue
				}
				if _, err := s.List(ctx, Filter{Names: []string{"own"}}); err != nil {
					errs <- err
				}
				if r%2 == 1 { // release every other acquisition
					if err := s.Release(ctx, "shared", user); err != nil {
						errs <- err
					}
				}
				if err := s.Remove(ctx, own, false); err != nil {
					errs <- err
				}
				// Prune takes unused anonymous volumes, possibly others'.
				if _, _, err := s.Prune(ctx, false); err != nil {
					errs <- err
				}
				if err := s.Remove(ctx, anon.Name, true); err != nil {
					errs <- err
				}
			}
		}()
	}
	// Opening the root meanwhile (recovery) must not disturb anyone.
	for range 3 {
		_, err := Open(ctx, root)
		require.NoError(t, err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	v, err := stores[0].Get(ctx, "shared")
	require.NoError(t, err)
	var want []string
	for w := range 2 * workers {
		for r := 0; r < rounds; r += 2 {
			want = append(want, fmt.Sprintf("c%d-%d", w, r))
		}
	}
	assert.ElementsMatch(t, want, v.UsedBy)
	vols, err := stores[1].List(ctx, Filter{})
	require.NoError(t, err)
	assert.Equal(t, []string{"shared"}, names(vols))
	entries, err := os.ReadDir(filepath.Join(root, "volumes"))
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{".lock", "shared"}, dirNames(entries), "no temp or half-deleted directory is left")
	meta, err := os.ReadDir(filepath.Join(root, "volumes", "shared"))
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"_data", "volume.json"}, dirNames(meta))
}

func TestInUseErrorText(t *testing.T) {
	err := fmt.Errorf("remove data: %w", &InUseError{Volume: "data", Users: []string{"abc"}})
	assert.EqualError(t, err, "remove data: volume is in use - [abc]")
	assert.True(t, errors.Is(err, ErrInUse))
}
