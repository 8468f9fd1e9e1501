package layer

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/mount"
	"github.com/berth-dev/berth/internal/privileged"
)

func TestOverlayDescription(t *testing.T) {
	m := Overlay([]string{"/l/top", "/l/bottom"}, "/s/upper", "/s/work")
	require.Equal(t, "overlay", m.Type)
	require.Equal(t, []string{"lowerdir=/l/top:/l/bottom", "upperdir=/s/upper", "workdir=/s/work", "index=off"}, m.Options)
	require.Equal(t, []string{"/l/top", "/l/bottom"}, mount.LowerDirs(m.Options))

	ro := Overlay([]string{"/l/top", "/l/bottom"}, "", "")
	require.Contains(t, ro.Options, "ro")
	single := Overlay([]string{"/l/only"}, "", "")
	require.Equal(t, Mount{Type: "bind", Source: "/l/only", Options: []string{"rbind", "ro"}}, single)
}

// unpackInto unpacks a tar of entries into a new directory under base.
func unpackInto(t *testing.T, base, name string, entries ...entry) string {
	t.Helper()
	dir := filepath.Join(base, name)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	_, err := Unpack(context.Background(), dir, bytes.NewReader(makeTar(t, entries...)))
	require.NoError(t, err)
	return dir
}

func TestOverlayManyLayersPastOnePage(t *testing.T) {
	privileged.Require(t)
	base := t.TempDir()
	// Long directory names make the lowerdir option far longer than a page.
	const layers = 120
	var lowers []string
	for i := 0; i < layers; i++ {
		name := fmt.Sprintf("layer-%03d-%s", i, strings.Repeat("x", 40))
		lowers = append([]string{unpackInto(t, base, name, file(fmt.Sprintf("f%03d", i), fmt.Sprint(i)), file("shared", fmt.Sprint(i)))}, lowers...)
	}
	m := Overlay(lowers, "", "")
	require.Greater(t, len(strings.Join(m.Options, ",")), os.Getpagesize())
	target := filepath.Join(base, "union")
	require.NoError(t, os.Mkdir(target, 0o755))
	require.NoError(t, m.Apply(target))
	t.Cleanup(func() { require.NoError(t, Unmount(target)) })

	for _, i := range []int{0, 57, layers - 1} {
		b, err := os.ReadFile(filepath.Join(target, fmt.Sprintf("f%03d", i)))
		require.NoError(t, err)
		require.Equal(t, fmt.Sprint(i), string(b))
	}
	b, err := os.ReadFile(filepath.Join(target, "shared"))
	require.NoError(t, err)
	require.Equal(t, fmt.Sprint(layers-1), string(b), "top layer wins")
	require.Error(t, os.WriteFile(filepath.Join(target, "new"), nil, 0o644), "read-only union")
}

func TestOverlayWhiteoutsAndUpper(t *testing.T) {
	privileged.Require(t)
	base := t.TempDir()
	bottom := unpackInto(t, base, "bottom", file("keep", "k"), file("gone", "g"), dir("opq/"), file("opq/hidden", "h"))
	top := unpackInto(t, base, "top", file(".wh.gone", ""), dir("opq/"), file("opq/.wh..wh..opq", ""), file("opq/new", "n"))
	upper, work, target := filepath.Join(base, "upper"), filepath.Join(base, "work"), filepath.Join(base, "root")
	for _, d := range []string{upper, work, target} {
		require.NoError(t, os.Mkdir(d, 0o755))
	}
	require.NoError(t, Overlay([]string{top, bottom}, upper, work).Apply(target))
	t.Cleanup(func() { require.NoError(t, Unmount(target)) })

	mounted, err := mountinfo.Mounted(target)
	require.NoError(t, err)
	require.True(t, mounted)
	_, err = os.Stat(filepath.Join(target, "keep"))
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(target, "gone"))
	require.True(t, os.IsNotExist(err), "whiteout hides the lower file")
	_, err = os.Stat(filepath.Join(target, "opq/hidden"))
	require.True(t, os.IsNotExist(err), "opaque directory hides lower content")
	_, err = os.Stat(filepath.Join(target, "opq/new"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(target, "written"), []byte("w"), 0o644))
	_, err = os.Stat(filepath.Join(upper, "written"))
	require.NoError(t, err, "writes land in the upper directory")
}

func TestSnapshotKeys(t *testing.T) {
	for key, ok := range map[string]bool{
		"a": true, "0abc": true, "a_b.c-d": true, strings.Repeat("k", 128): true,
		"": false, "_a": false, ".a": false, "-a": false, "a/b": false, "a b": false,
		"..": false, strings.Repeat("k", 129): false, "é": false,
	} {
		err := checkKey(key)
		if ok {
			assert.NoError(t, err, key)
		} else {
			assert.ErrorIs(t, err, ErrInvalid, key)
		}
	}
}
