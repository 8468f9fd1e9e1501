package container

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/privileged"
)

// TestSealedBinaryCannotBeWritten: what a container's child runs is a
// read-only view of the program's binary (CVE-2019-5736), not the file: a
// write through /proc/PID/exe fails even once the binary no longer runs.
func TestSealedBinaryCannotBeWritten(t *testing.T) {
	privileged.Require(t)
	f, err := sealedExe()
	require.NoError(t, err)
	var st, own unix.Stat_t
	require.NoError(t, unix.Stat(fmt.Sprintf("/proc/self/fd/%d", f.Fd()), &st))
	require.NoError(t, unix.Stat("/proc/self/exe", &own))
	assert.Equal(t, own.Ino, st.Ino, "the same binary")

	// The same view of a binary that is not running (the running one
	// answers ETXTBSY first).
	bin := filepath.Join(t.TempDir(), "bin")
	require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755))
	view, err := bindExe(bin)
	require.NoError(t, err)
	defer view.Close()
	_, err = os.OpenFile(fmt.Sprintf("/proc/self/fd/%d", view.Fd()), os.O_WRONLY, 0)
	assert.ErrorIs(t, err, unix.EROFS)
	w, err := os.OpenFile(bin, os.O_WRONLY, 0)
	require.NoError(t, err, "the file itself stays writable for its owner")
	w.Close()
}
