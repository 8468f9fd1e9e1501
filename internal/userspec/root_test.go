package userspec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rootfs builds a container root in a temporary directory: files maps
// paths inside the root to contents, links maps paths to symlink targets.
func rootfs(t *testing.T, files, links map[string]string) (*os.Root, string) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
	for name, target := range links {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.Symlink(target, path))
	}
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	t.Cleanup(func() { root.Close() })
	return root, dir
}

// hostFiles writes passwd and group files outside any container root, with
// a user and group no fixture has, and returns their directory.
func hostFiles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "passwd"), []byte("hostonly:x:4321:4321:host:/host:/bin/sh\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "group"), []byte("hostgrp:x:4321:hostonly\n"), 0o644))
	return dir
}

func TestResolveFromRoot(t *testing.T) {
	app := User{UID: 1000, GID: 1000, AdditionalGIDs: []uint32{1000, 4, 50, 999}, Home: "/home/app", Name: "app"}
	tests := []struct {
		desc  string
		files map[string]string
		links map[string]string
		spec  string
		want  User
	}{
		{
			desc:  "plain files",
			files: map[string]string{"etc/passwd": debianPasswd, "etc/group": debianGroup},
			spec:  "app",
			want:  app,
		},
		{
			desc:  "relative links",
			files: map[string]string{"usr/share/base/passwd": debianPasswd, "usr/share/base/group": debianGroup},
			links: map[string]string{"etc/passwd": "../usr/share/base/passwd", "etc/group": "../usr/share/base/group"},
			spec:  "app",
			want:  app,
		},
		{
			desc:  "absolute links resolve inside the root, as in Docker",
			files: map[string]string{"usr/share/base/passwd": debianPasswd, "usr/share/base/group": debianGroup},
			links: map[string]string{"etc/passwd": "/usr/share/base/passwd", "etc/group": "/usr/share/base/group"},
			spec:  "app",
			want:  app,
		},
		{
			desc:  "absolute link for /etc itself",
			files: map[string]string{"private/etc/passwd": debianPasswd, "private/etc/group": debianGroup},
			links: map[string]string{"etc": "/private/etc"},
			spec:  "app",
			want:  app,
		},
		{
			desc:  "dot-dot beyond the root stops at the root",
			files: map[string]string{"base/passwd": debianPasswd, "base/group": debianGroup},
			links: map[string]string{"etc/passwd": "../../../../../../base/passwd", "etc/group": "/../../base/group"},
			spec:  "app",
			want:  app,
		},
		{
			desc:  "busybox image",
			files: map[string]string{"etc/passwd": alpinePasswd, "etc/group": alpineGroup, "bin/busybox": ""},
			links: map[string]string{"bin/sh": "/bin/busybox"},
			spec:  "",
			want:  User{UID: 0, GID: 0, AdditionalGIDs: []uint32{0, 1, 2, 3, 4, 6, 10, 11, 20, 26, 27}, Home: "/root", Name: "root"},
		},
		{
			desc: "no /etc at all",
			spec: "1000:1000",
			want: User{UID: 1000, GID: 1000, AdditionalGIDs: []uint32{1000}, Home: "/"},
		},
		{
			desc:  "/etc is a file",
			files: map[string]string{"etc": "not a directory"},
			spec:  "",
			want:  User{UID: 0, GID: 0, AdditionalGIDs: []uint32{0}, Home: "/"},
		},
		{
			desc:  "/etc/passwd is a directory",
			files: map[string]string{"etc/passwd/keep": "", "etc/group": debianGroup},
			spec:  "1000",
			want:  User{UID: 1000, GID: 0, AdditionalGIDs: []uint32{0}, Home: "/"},
		},
		{
			desc:  "dangling link is a missing file",
			files: map[string]string{"etc/group": debianGroup},
			links: map[string]string{"etc/passwd": "/nowhere/passwd"},
			spec:  "1000:staff",
			want:  User{UID: 1000, GID: 50, AdditionalGIDs: []uint32{50}, Home: "/"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			root, _ := rootfs(t, tt.files, tt.links)
			got, err := Resolve(root, tt.spec, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestResolveNeverReadsHost points the container's files at files outside
// its root, every way a link can: none of them may be read.
func TestResolveNeverReadsHost(t *testing.T) {
	host := hostFiles(t)
	relToHost := func(dir string) string {
		// From <root>/etc up to the filesystem root, then down to host.
		return strings.Repeat("../", strings.Count(dir, "/")+2) + strings.TrimPrefix(host, "/")
	}
	tests := []struct {
		desc  string
		naive bool // following the links on the host reaches the host file
		links func(rootDir string) map[string]string
	}{
		{"absolute links to host files", true, func(string) map[string]string {
			return map[string]string{"etc/passwd": filepath.Join(host, "passwd"), "etc/group": filepath.Join(host, "group")}
		}},
		{"absolute link for /etc to a host directory", true, func(string) map[string]string {
			return map[string]string{"etc": host}
		}},
		{"relative links climbing out of the root", true, func(rootDir string) map[string]string {
			up := relToHost(rootDir)
			return map[string]string{"etc/passwd": up + "/passwd", "etc/group": up + "/group"}
		}},
		// Inside the root, /lib is an absolute link to the host directory.
		{"chain of links ending on the host", false, func(string) map[string]string {
			return map[string]string{"etc/passwd": "/lib/passwd", "lib": host}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			// Build the root first so relative links can be computed from
			// its real depth, then add the links.
			dir := t.TempDir()
			for name, target := range tt.links(dir) {
				path := filepath.Join(dir, name)
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.Symlink(target, path))
			}
			if tt.naive {
				// The links really do reach the host file when followed
				// the ordinary way.
				target, err := filepath.EvalSymlinks(filepath.Join(dir, "etc", "passwd"))
				require.NoError(t, err)
				require.Equal(t, filepath.Join(host, "passwd"), target)
			}
			root, err := os.OpenRoot(dir)
			require.NoError(t, err)
			defer root.Close()

			_, err = Resolve(root, "hostonly", nil)
			require.ErrorIs(t, err, ErrNoSuchUser)
			_, err = Resolve(root, "0:hostgrp", nil)
			require.ErrorIs(t, err, ErrNoSuchGroup)
			_, err = Resolve(root, "0", []string{"hostgrp"})
			require.ErrorIs(t, err, ErrNoSuchGroup)
			got, err := Resolve(root, "4321", nil)
			require.NoError(t, err)
			assert.Equal(t, User{UID: 4321, GID: 0, AdditionalGIDs: []uint32{0}, Home: "/"}, got)
		})
	}
}

func TestResolveEmptyRootIgnoresHostUsers(t *testing.T) {
	// The host has a root user; an empty container root does not.
	root, _ := rootfs(t, nil, nil)
	_, err := Resolve(root, "root", nil)
	require.ErrorIs(t, err, ErrNoSuchUser)
	assert.Equal(t, "unable to find user root: no matching entries in passwd file", err.Error())
}

func TestResolveFileErrors(t *testing.T) {
	t.Run("symlink loop", func(t *testing.T) {
		root, _ := rootfs(t, nil, map[string]string{"etc/passwd": "/etc/loop", "etc/loop": "/etc/passwd"})
		_, err := Resolve(root, "", nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "/etc/passwd")
		assert.False(t, errors.Is(err, ErrNoSuchUser) || errors.Is(err, ErrNoSuchGroup) || errors.Is(err, ErrInvalid),
			"a broken image is not a bad spec: %v", err)
	})
	t.Run("file too large", func(t *testing.T) {
		big := debianPasswd + strings.Repeat("#", maxFileSize)
		root, _ := rootfs(t, map[string]string{"etc/passwd": big}, nil)
		_, err := Resolve(root, "app", nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "exceeds")
	})
	t.Run("file at the size limit", func(t *testing.T) {
		padded := debianPasswd + strings.Repeat("#", maxFileSize-len(debianPasswd)-1) + "\n"
		require.Len(t, padded, maxFileSize)
		root, _ := rootfs(t, map[string]string{"etc/passwd": padded}, nil)
		got, err := Resolve(root, "nobody", nil)
		require.NoError(t, err)
		assert.Equal(t, uint32(65534), got.UID)
	})
}
