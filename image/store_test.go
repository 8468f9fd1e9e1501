//go:build linux

package image

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/testimage"
)

func openStore(t *testing.T) (*Store, string) {
	t.Helper()
	root := t.TempDir()
	s, err := Open(context.Background(), root)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, root
}

func mustWrite(t *testing.T, s *Store, img v1.Image, names ...string) *Image {
	t.Helper()
	got, err := s.Write(context.Background(), img, names...)
	require.NoError(t, err)
	return got
}

func randomImage(t *testing.T, size int64, layers int64) v1.Image {
	t.Helper()
	img, err := random.Image(size, layers)
	require.NoError(t, err)
	return img
}

// labelled is a one-layer image with labels and a Created time.
func labelled(t *testing.T, created time.Time, labels map[string]string, content string) v1.Image {
	t.Helper()
	img := testimage.Image(t, v1.Config{Labels: labels, Cmd: []string{"true"}},
		testimage.Layer(t, testimage.File{Name: "f", Body: []byte(content)}))
	cf, err := img.ConfigFile()
	require.NoError(t, err)
	cf = cf.DeepCopy()
	cf.Created = v1.Time{Time: created}
	return withConfig(t, img, cf)
}

// storeState lists every file under the store (path, size, and for the
// index its content): equal states mean nothing changed.
func storeState(t *testing.T, root string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(filepath.Join(root, storeDirName), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			lines = append(lines, rel+"/")
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %d", rel, info.Size())
		if d.Name() == indexFileName {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			line += fmt.Sprintf(" %x", sha256.Sum256(data))
		}
		lines = append(lines, line)
		return nil
	})
	require.NoError(t, err)
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func ingestFiles(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, storeDirName, ingestDirName))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func blobCount(t *testing.T, root string) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, storeDirName, blobsDirName, "sha256"))
	require.NoError(t, err)
	return len(entries)
}

func TestWriteAndGetByNameAndID(t *testing.T) {
	ctx := context.Background()
	s, root := openStore(t)
	src := testimage.Busybox(t)
	img := mustWrite(t, s, src, "busybox")

	wantID, err := src.ConfigName()
	require.NoError(t, err)
	wantManifest, err := src.Digest()
	require.NoError(t, err)
	require.Equal(t, wantID, img.ID)
	require.Equal(t, wantManifest, img.ManifestDigest)
	require.Equal(t, []string{"busybox:latest"}, img.RepoTags)
	require.Equal(t, []string{"sh"}, img.Config.Cmd)
	require.Len(t, img.Layers, 1)
	require.Equal(t, testimage.ContentSize(t, src), img.Size, "unpacked size, as docker")
	require.Equal(t, img.Layers[0].UnpackedSize, img.Size)
	require.FileExists(t, filepath.Join(img.Layers[0].Dir, "bin", "busybox"), "layer unpacked")
	require.Equal(t, testimage.Epoch, img.Created.UTC())
	require.Equal(t, wantID.Hex[:12], img.ShortID())
	require.Equal(t, 3, blobCount(t, root)) // config, layer, manifest

	for _, ref := range []string{
		"busybox", "busybox:latest", "docker.io/library/busybox:latest", "index.docker.io/library/busybox",
		wantID.String(), wantID.Hex, img.ShortID(), "sha256:" + wantID.Hex[:5], wantID.Hex[:3],
	} {
		got, err := s.Get(ctx, ref)
		require.NoError(t, err, ref)
		require.Equal(t, img.ID, got.ID, ref)
	}
	for _, ref := range []string{"busybox:other", "nosuch", "sha256:", "zzzz", wantID.Hex + "0"} {
		_, err := s.Get(ctx, ref)
		require.ErrorIs(t, err, ErrNotFound, ref)
	}

	// The layer blob reads back as the same bytes.
	v1img, err := s.V1Image(ctx, img)
	require.NoError(t, err)
	gotDigest, err := v1img.Digest()
	require.NoError(t, err)
	require.Equal(t, wantManifest, gotDigest)
	layers, err := v1img.Layers()
	require.NoError(t, err)
	wantLayers, err := src.Layers()
	require.NoError(t, err)
	gotDiff, err := layers[0].DiffID()
	require.NoError(t, err)
	wantDiff, err := wantLayers[0].DiffID()
	require.NoError(t, err)
	require.Equal(t, wantDiff, gotDiff)
}

func TestNameIsLookedUpBeforeIDPrefix(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	a := mustWrite(t, s, randomImage(t, 64, 1))
	// A repository named like a prefix of another image's ID.
	b := mustWrite(t, s, randomImage(t, 64, 1), a.ID.Hex[:6])
	got, err := s.Get(ctx, a.ID.Hex[:6])
	require.NoError(t, err)
	require.Equal(t, b.ID, got.ID)
	got, err = s.Get(ctx, "sha256:"+a.ID.Hex[:6])
	require.NoError(t, err)
	require.Equal(t, a.ID, got.ID)
}

func TestAmbiguousIDPrefix(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	// 17 images: two share a first hex digit.
	byFirst := map[byte][]*Image{}
	for range 17 {
		img := mustWrite(t, s, randomImage(t, 32, 1))
		byFirst[img.ID.Hex[0]] = append(byFirst[img.ID.Hex[0]], img)
	}
	for c, imgs := range byFirst {
		if len(imgs) < 2 {
			continue
		}
		_, err := s.Get(ctx, string(c))
		require.ErrorIs(t, err, ErrAmbiguous)
		_, err = s.Get(ctx, "sha256:"+string(c))
		require.ErrorIs(t, err, ErrAmbiguous)
		got, err := s.Get(ctx, imgs[0].ID.Hex[:20])
		require.NoError(t, err)
		require.Equal(t, imgs[0].ID, got.ID)
		return
	}
	t.Fatal("no two IDs share a first digit among 17")
}

func TestTagMovesNameAndUntagLeavesDangling(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	a := mustWrite(t, s, randomImage(t, 64, 1), "app:1")
	b := mustWrite(t, s, randomImage(t, 64, 1), "app:2")

	require.NoError(t, s.Tag(ctx, "app:2", "docker.io/library/app:1"))
	got, err := s.Get(ctx, "app:1")
	require.NoError(t, err)
	require.Equal(t, b.ID, got.ID)
	require.ElementsMatch(t, []string{"app:2", "app:1"}, got.RepoTags)
	old, err := s.Get(ctx, a.ID.String())
	require.NoError(t, err)
	require.Empty(t, old.RepoTags, "the old image stays, dangling")

	require.NoError(t, s.Tag(ctx, b.ShortID(), "localhost:5000/team/app:v1"))
	got, err = s.Get(ctx, "localhost:5000/team/app:v1")
	require.NoError(t, err)
	require.Contains(t, got.RepoTags, "localhost:5000/team/app:v1")

	require.NoError(t, s.Untag(ctx, "app:2"))
	require.NoError(t, s.Untag(ctx, "app:1"))
	require.NoError(t, s.Untag(ctx, "localhost:5000/team/app:v1"))
	got, err = s.Get(ctx, b.ID.String())
	require.NoError(t, err)
	require.True(t, got.Dangling())
	require.ErrorIs(t, s.Untag(ctx, "app:1"), ErrNotFound)
	require.ErrorIs(t, s.Tag(ctx, "nosuch", "x"), ErrNotFound)
	require.ErrorIs(t, s.Tag(ctx, b.ID.String(), "x@sha256:"+strings.Repeat("a", 64)), ErrInvalid)
	require.ErrorIs(t, s.Tag(ctx, b.ID.String(), "UPPER"), ErrInvalid)
}

func TestListFilters(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	t0 := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	old := mustWrite(t, s, labelled(t, t0, map[string]string{"tier": "db"}, "old"), "busybox:1.0")
	mid := mustWrite(t, s, labelled(t, t0.Add(time.Hour), map[string]string{"tier": "web", "x": "1"}, "mid"), "busybox:latest", "nginx:1.0")
	dangling := mustWrite(t, s, labelled(t, t0.Add(2*time.Hour), nil, "new"))

	ids := func(imgs []*Image) []v1.Hash {
		var out []v1.Hash
		for _, i := range imgs {
			out = append(out, i.ID)
		}
		return out
	}
	all, err := s.List(ctx, ListOptions{})
	require.NoError(t, err)
	require.Equal(t, []v1.Hash{dangling.ID, mid.ID, old.ID}, ids(all), "newest first")

	yes, no := true, false
	got, err := s.List(ctx, ListOptions{Dangling: &yes})
	require.NoError(t, err)
	require.Equal(t, []v1.Hash{dangling.ID}, ids(got))
	got, err = s.List(ctx, ListOptions{Dangling: &no})
	require.NoError(t, err)
	require.Equal(t, []v1.Hash{mid.ID, old.ID}, ids(got))

	got, err = s.List(ctx, ListOptions{Reference: []string{"busy*"}})
	require.NoError(t, err)
	require.Equal(t, []v1.Hash{mid.ID, old.ID}, ids(got))
	require.Equal(t, []string{"busybox:latest"}, got[0].RepoTags, "only matching names are kept")

	got, err = s.List(ctx, ListOptions{Reference: []string{"*:1.0"}})
	require.NoError(t, err)
	require.Equal(t, []v1.Hash{mid.ID, old.ID}, ids(got))
	require.Equal(t, []string{"nginx:1.0"}, got[0].RepoTags)

	got, err = s.List(ctx, ListOptions{Labels: map[string]string{"tier": ""}})
	require.NoError(t, err)
	require.Equal(t, []v1.Hash{mid.ID, old.ID}, ids(got))
	got, err = s.List(ctx, ListOptions{Labels: map[string]string{"tier": "web"}})
	require.NoError(t, err)
	require.Equal(t, []v1.Hash{mid.ID}, ids(got))

	got, err = s.List(ctx, ListOptions{Before: "nginx:1.0"})
	require.NoError(t, err)
	require.Equal(t, []v1.Hash{old.ID}, ids(got))
	got, err = s.List(ctx, ListOptions{Since: "busybox:1.0"})
	require.NoError(t, err)
	require.Equal(t, []v1.Hash{dangling.ID, mid.ID}, ids(got))

	_, err = s.List(ctx, ListOptions{Reference: []string{"[bad"}})
	require.ErrorIs(t, err, ErrInvalid)
	_, err = s.List(ctx, ListOptions{Since: "nosuch"})
	require.ErrorIs(t, err, ErrNotFound)
}

func TestRemoveLikeDockerRmi(t *testing.T) {
	ctx := context.Background()
	s, root := openStore(t)
	digest := "busybox@sha256:" + strings.Repeat("ab", 32)
	img := mustWrite(t, s, testimage.Busybox(t), "busybox", "busybox:1", digest)

	// By name with another tag left: untag only.
	rep, err := s.Remove(ctx, "busybox:1", false)
	require.NoError(t, err)
	require.Equal(t, RemoveReport{Untagged: []string{"busybox:1"}}, rep)
	require.Equal(t, 3, blobCount(t, root))

	// Held: refused while deleting would happen.
	require.NoError(t, s.Hold(ctx, img.ID, "c1"))
	_, err = s.Remove(ctx, "busybox", false)
	require.ErrorIs(t, err, ErrInUse)
	_, err = s.Remove(ctx, img.ShortID(), false)
	require.ErrorIs(t, err, ErrInUse)
	require.NoError(t, s.Release(ctx, img.ID, "c1"))
	require.NoError(t, s.Release(ctx, img.ID, "never-held"))

	// Last tag: the image goes, with its repo digests, and its blobs.
	rep, err = s.Remove(ctx, "busybox", false)
	require.NoError(t, err)
	require.Equal(t, RemoveReport{Untagged: []string{"busybox:latest", digest}, Deleted: []v1.Hash{img.ID}}, rep)
	_, err = s.Get(ctx, img.ID.String())
	require.ErrorIs(t, err, ErrNotFound)
	require.Equal(t, 0, blobCount(t, root))
	require.NoDirExists(t, img.Layers[0].Dir, "the unpacked layer goes with its last image")
	_, err = s.Remove(ctx, "busybox", false)
	require.ErrorIs(t, err, ErrNotFound)
}

func TestRemoveByIDWithSeveralRepositories(t *testing.T) {
	ctx := context.Background()
	s, root := openStore(t)
	shared := testimage.Layer(t, testimage.File{Name: "shared", Body: []byte("shared layer")})
	a := mustWrite(t, s, testimage.Image(t, v1.Config{Cmd: []string{"a"}}, shared), "a:1", "b:1")
	b := mustWrite(t, s, testimage.Image(t, v1.Config{Cmd: []string{"b"}}, shared), "c:1", "c:2")

	_, err := s.Remove(ctx, a.ShortID(), false)
	require.ErrorIs(t, err, ErrConflict)
	rep, err := s.Remove(ctx, a.ShortID(), true)
	require.NoError(t, err)
	require.Equal(t, RemoveReport{Untagged: []string{"a:1", "b:1"}, Deleted: []v1.Hash{a.ID}}, rep)
	// The shared layer stays for b: b's config, manifest and the layer.
	require.Equal(t, 3, blobCount(t, root))

	// Several tags of one repository: removed by ID without force.
	rep, err = s.Remove(ctx, b.ID.Hex, false)
	require.NoError(t, err)
	require.Equal(t, []string{"c:1", "c:2"}, rep.Untagged)
	require.Equal(t, 0, blobCount(t, root))
}

func TestForceUntagsButKeepsHeldImage(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	img := mustWrite(t, s, randomImage(t, 64, 1), "x")
	require.NoError(t, s.Hold(ctx, img.ID, "c1"))
	rep, err := s.Remove(ctx, "x", true)
	require.NoError(t, err)
	require.Equal(t, []string{"x:latest"}, rep.Untagged)
	require.Empty(t, rep.Deleted, "a container still uses it")
	kept, err := s.Get(ctx, img.ID.String())
	require.NoError(t, err)
	require.True(t, kept.Dangling())

	rep, _, err = s.Prune(ctx, PruneOptions{})
	require.NoError(t, err)
	require.Empty(t, rep.Deleted, "prune keeps held images")
	require.NoError(t, s.Release(ctx, img.ID, "c1"))
	rep, _, err = s.Prune(ctx, PruneOptions{})
	require.NoError(t, err)
	require.Equal(t, []v1.Hash{img.ID}, rep.Deleted)
}

func TestHoldsPersistAcrossOpen(t *testing.T) {
	ctx := context.Background()
	s, root := openStore(t)
	img := mustWrite(t, s, randomImage(t, 64, 1))
	require.NoError(t, s.Hold(ctx, img.ID, "c1"))
	require.NoError(t, s.Close())

	s2, err := Open(ctx, root)
	require.NoError(t, err)
	_, err = s2.Remove(ctx, img.ID.String(), false)
	require.ErrorIs(t, err, ErrInUse)
	rep, n, err := s2.Prune(ctx, PruneOptions{All: true})
	require.NoError(t, err)
	require.Empty(t, rep.Deleted, "prune keeps held images")
	require.Zero(t, n)
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	s, root := openStore(t)
	t0 := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	tagged := mustWrite(t, s, labelled(t, t0, map[string]string{"keep": "no"}, "tagged"), "tagged")
	dangling1 := mustWrite(t, s, labelled(t, t0, map[string]string{"keep": "no"}, "d1"))
	dangling2 := mustWrite(t, s, labelled(t, t0, map[string]string{"keep": "yes"}, "d2"))
	held := mustWrite(t, s, labelled(t, t0, nil, "held"))
	require.NoError(t, s.Hold(ctx, held.ID, "c1"))

	rep, n, err := s.Prune(ctx, PruneOptions{Labels: map[string]string{"keep": "no"}})
	require.NoError(t, err)
	require.Equal(t, []v1.Hash{dangling1.ID}, rep.Deleted)
	require.Positive(t, n)

	rep, n, err = s.Prune(ctx, PruneOptions{})
	require.NoError(t, err)
	require.Equal(t, []v1.Hash{dangling2.ID}, rep.Deleted)
	require.Positive(t, n)
	require.Equal(t, 6, blobCount(t, root), "tagged and held remain")

	rep, n, err = s.Prune(ctx, PruneOptions{All: true})
	require.NoError(t, err)
	require.Equal(t, []v1.Hash{tagged.ID}, rep.Deleted)
	require.Equal(t, []string{"tagged:latest"}, rep.Untagged)
	require.Positive(t, n)
	require.Equal(t, 3, blobCount(t, root), "only the held image's blobs remain")
}

func TestHistory(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	l1 := testimage.Layer(t, testimage.File{Name: "a", Body: []byte("first")})
	l2 := testimage.Layer(t, testimage.File{Name: "b", Body: []byte(strings.Repeat("second", 100))})
	img := testimage.Image(t, v1.Config{}, l1, l2)
	cf, err := img.ConfigFile()
	require.NoError(t, err)
	cf = cf.DeepCopy()
	cf.History = []v1.History{
		{CreatedBy: "ADD a", Created: v1.Time{Time: testimage.Epoch}},
		{CreatedBy: "ENV X=1", EmptyLayer: true, Comment: "env"},
		{CreatedBy: "ADD b", Created: v1.Time{Time: testimage.Epoch.Add(time.Minute)}},
	}
	stored := mustWrite(t, s, withConfig(t, img, cf), "hist")

	rows, err := s.History(ctx, "hist")
	require.NoError(t, err)
	require.Len(t, rows, 3)
	require.Equal(t, stored.ID.String(), rows[0].ID)
	require.Equal(t, []string{"hist:latest"}, rows[0].Tags)
	require.Equal(t, "ADD b", rows[0].CreatedBy)
	require.Equal(t, stored.Layers[1].UnpackedSize, rows[0].Size)
	require.Equal(t, HistoryEntry{ID: "<missing>", CreatedBy: "ENV X=1", Comment: "env", Created: time.Time{}}, rows[1])
	require.Equal(t, "<missing>", rows[2].ID)
	require.Equal(t, stored.Layers[0].UnpackedSize, rows[2].Size)
	require.Equal(t, testimage.Epoch, rows[2].Created.UTC())

	_, err = s.History(ctx, "nosuch")
	require.ErrorIs(t, err, ErrNotFound)
}

func TestOpenRemovesOnlyAbandonedIngestFiles(t *testing.T) {
	ctx := context.Background()
	s, root := openStore(t)
	abandoned := filepath.Join(root, storeDirName, ingestDirName, "abandoned")
	require.NoError(t, os.WriteFile(abandoned, []byte("partial"), 0o644))
	indexTemp := filepath.Join(root, storeDirName, "index.json.tmp-123")
	require.NoError(t, os.WriteFile(indexTemp, []byte("{"), 0o644))
	live, err := s.createIngest(ctx) // a live writer holds its file locked
	require.NoError(t, err)
	defer live.discard()

	_, err = Open(ctx, root)
	require.NoError(t, err)
	require.NoFileExists(t, abandoned)
	require.NoFileExists(t, indexTemp)
	require.FileExists(t, live.path)
}

func TestCorruptIndexIsReported(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, storeDirName), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, storeDirName, indexFileName), []byte("{not json"), 0o644))
	_, err := Open(context.Background(), root)
	require.ErrorIs(t, err, ErrCorrupt)
}

func TestWriteRefusesBadNames(t *testing.T) {
	s, root := openStore(t)
	before := storeState(t, root)
	_, err := s.Write(context.Background(), randomImage(t, 64, 1), "Bad Name")
	require.ErrorIs(t, err, ErrInvalid)
	require.Equal(t, before, storeState(t, root))
	require.True(t, errors.Is(err, ErrInvalid))
}
