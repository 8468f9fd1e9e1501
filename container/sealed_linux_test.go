package container

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/privileged"
)

// TestSealedBinaryCannotBeWritten: what a container's child runs is a
// read-only view of the program's binary (CVE-2019-5736), not the file.
func TestSealedBinaryCannotBeWritten(t *testing.T) {
	privileged.Require(t)
	f, err := sealedExe()
	require.NoError(t, err)
	path := fmt.Sprintf("/proc/self/fd/%d", f.Fd())
	_, err = os.OpenFile(path, os.O_WRONLY, 0)
	assert.ErrorIs(t, err, unix.EROFS, "through the overlay view")
	var st, own unix.Stat_t
	require.NoError(t, unix.Stat(path, &st))
	require.NoError(t, unix.Stat("/proc/self/exe", &own))
	assert.Equal(t, own.Size, st.Size, "the same binary")
	assert.NotEqual(t, own.Dev, st.Dev, "on its own mount, not the host file's")
}
