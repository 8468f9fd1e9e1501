package container

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
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
