//go:build linux

package image

import (
	"bytes"
	"context"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/testimage"
	"github.com/berth-dev/berth/registryclient"
)

func TestNormalizeTag(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"busybox", "busybox:latest"},
		{"busybox:latest", "busybox:latest"},
		{"docker.io/library/busybox:latest", "busybox:latest"},
		{"index.docker.io/library/busybox", "busybox:latest"},
		{"user/app:1.0", "user/app:1.0"},
		{"docker.io/user/app:1.0", "user/app:1.0"},
		{"localhost:5000/a/b:c", "localhost:5000/a/b:c"},
		{"example.com/app", "example.com/app:latest"},
	} {
		got, err := normalizeTag(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
	for _, bad := range []string{"", "UPPER", "a b", "busybox@sha256:" + strings.Repeat("0", 64), "x:", ":x"} {
		_, err := normalizeTag(bad)
		require.ErrorIs(t, err, ErrInvalid, bad)
		if bad != "busybox@sha256:"+strings.Repeat("0", 64) {
			require.ErrorIs(t, err, registryclient.ErrInvalidReference, bad)
		}
	}
}

func TestFamiliarRepositoryAndFullName(t *testing.T) {
	for _, tc := range []struct{ in, repo, full string }{
		{"busybox:latest", "busybox", "docker.io/library/busybox:latest"},
		{"user/app:1", "user/app", "docker.io/user/app:1"},
		{"localhost:5000/a:b", "localhost:5000/a", "localhost:5000/a:b"},
		{"localhost:5000/a@sha256:" + strings.Repeat("1", 64), "localhost:5000/a", "localhost:5000/a@sha256:" + strings.Repeat("1", 64)},
	} {
		require.Equal(t, tc.repo, familiarRepository(tc.in), tc.in)
		full, err := fullName(tc.in)
		require.NoError(t, err)
		require.Equal(t, tc.full, full, tc.in)
	}
}

func TestResolve(t *testing.T) {
	a := "sha256:aaaa" + strings.Repeat("0", 60)
	ab := "sha256:aabb" + strings.Repeat("0", 60)
	b := "sha256:bbbb" + strings.Repeat("0", 60)
	idx := &index{Images: map[string]*indexEntry{
		a:  {RepoTags: []string{"app:1"}, RepoDigests: []string{"app@sha256:" + strings.Repeat("f", 64)}},
		ab: {},
		b:  {RepoTags: []string{"aabb:latest"}}, // a name that looks like an ID prefix
	}}
	for _, tc := range []struct {
		in, id, byName string
		err            error
	}{
		{in: "app:1", id: a, byName: "app:1"},
		{in: "docker.io/library/app:1", id: a, byName: "app:1"},
		{in: "app@sha256:" + strings.Repeat("f", 64), id: a, byName: "app@sha256:" + strings.Repeat("f", 64)},
		{in: "aabb", id: b, byName: "aabb:latest"},
		{in: "sha256:aabb", id: ab},
		{in: "aaaa", id: a},
		{in: a, id: a},
		{in: strings.TrimPrefix(b, "sha256:"), id: b},
		{in: "aa", err: ErrAmbiguous},
		{in: "sha256:aa", err: ErrAmbiguous},
		{in: "app:2", err: ErrNotFound},
		{in: "cc", err: ErrNotFound},
		{in: "", err: ErrNotFound},
		{in: "sha256:", err: ErrNotFound},
		{in: "AABB", err: ErrNotFound},
	} {
		got, err := resolve(idx, tc.in)
		if tc.err != nil {
			require.ErrorIs(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, resolution{id: tc.id, byName: tc.byName}, got, tc.in)
	}
}

func TestCleanArchivePath(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"manifest.json", "manifest.json", true},
		{"./manifest.json", "manifest.json", true},
		{"blobs/sha256/abc", "blobs/sha256/abc", true},
		{"a//b/", "a/b", true},
		{"a/./b", "a/b", true},
		{"/etc/passwd", "", false},
		{"../x", "", false},
		{"a/../../x", "", false},
		{"a/../b", "", false},
	} {
		got, err := cleanArchivePath(tc.in)
		if !tc.ok {
			require.ErrorIs(t, err, ErrInvalid, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}

func FuzzCleanArchivePath(f *testing.F) {
	for _, s := range []string{"manifest.json", "./a", "../a", "/a", "a/../b", "a//b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := cleanArchivePath(s)
		if err != nil {
			return
		}
		if path.IsAbs(got) || got == ".." || strings.HasPrefix(got, "../") {
			t.Fatalf("cleanArchivePath(%q) = %q escapes", s, got)
		}
	})
}

func FuzzReadArchive(f *testing.F) {
	src, err := Open(context.Background(), f.TempDir())
	require.NoError(f, err)
	img, err := src.Write(context.Background(), testimage.Image(f, testimageConfig(), testimage.Layer(f, testimage.File{Name: "a", Body: []byte("a")})), "fuzz")
	require.NoError(f, err)
	var saved bytes.Buffer
	require.NoError(f, src.Save(context.Background(), &saved, "fuzz"))
	f.Add(saved.Bytes())
	f.Add([]byte{})
	f.Add([]byte("not a tar"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "archive.tar")
		require.NoError(t, os.WriteFile(p, data, 0o644))
		file, err := os.Open(p)
		require.NoError(t, err)
		defer file.Close()
		archive, err := readTarArchive(file)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalid)
			return
		}
		items, err := imagesOf(archive)
		if err != nil {
			return
		}
		for _, it := range items {
			if _, err := it.img.RawManifest(); err != nil {
				t.Fatal(err)
			}
		}
	})
	_ = img
}
