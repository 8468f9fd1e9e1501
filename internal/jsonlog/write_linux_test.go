package jsonlog

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteErrorsAreReturned(t *testing.T) {
	// Every write to /dev/full fails with ENOSPC, as a full disk does.
	w, err := NewWriter("/dev/full", Options{})
	require.NoError(t, err)
	stdout := w.Stream("stdout")
	n, err := stdout.Write([]byte("lost\n"))
	require.ErrorIs(t, err, syscall.ENOSPC)
	assert.Zero(t, n)
	_, err = stdout.Write([]byte("partial"))
	require.NoError(t, err, "nothing to write yet")
	require.ErrorIs(t, w.Close(), syscall.ENOSPC, "Close reports the partial line it could not write")
}
