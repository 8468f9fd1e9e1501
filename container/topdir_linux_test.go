package container

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/privileged"
)

func TestOpenSpreadsContainerDirectories(t *testing.T) {
	rt, _ := testRuntime(t)
	for _, dir := range []string{rt.dir, filepath.Join(rt.dir, snapshotsDir)} {
		f, err := os.Open(dir)
		require.NoError(t, err)
		flags, err := unix.IoctlGetUint32(int(f.Fd()), unix.FS_IOC_GETFLAGS)
		f.Close()
		if err != nil {
			// A filesystem without inode flags (tmpfs): nothing to set,
			// and Open worked without.
			assert.ErrorIs(t, err, unix.ENOTTY, dir)
			continue
		}
		assert.NotZero(t, flags&fsTopdirFlag, "%s has no FS_TOPDIR_FL", dir)
	}
}

// Open leaves the image store alone until something needs it: exec, logs
// or ps never pay for opening it.
func TestOpenOpensTheImageStoreOnFirstUse(t *testing.T) {
	privileged.Require(t)
	root := t.TempDir()
	rt, err := Open(context.Background(), root)
	require.NoError(t, err)
	defer rt.Close()
	_, err = os.Stat(filepath.Join(root, "image"))
	assert.ErrorIs(t, err, os.ErrNotExist, "opened at Open")
	require.NotNil(t, rt.Images())
	_, err = os.Stat(filepath.Join(root, "image"))
	assert.NoError(t, err, "opened on first use")
}
