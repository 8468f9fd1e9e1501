package flock

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLockExcludesOtherOpens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	open := func() *os.File {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		require.NoError(t, err)
		t.Cleanup(func() { f.Close() })
		return f
	}
	a, b, c := open(), open(), open()
	ctx := context.Background()
	require.NoError(t, Lock(ctx, a, false, false))
	require.NoError(t, Lock(ctx, b, false, false), "shared locks coexist")
	require.ErrorIs(t, Lock(ctx, c, true, false), ErrLocked)

	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, Lock(short, c, true, true), context.DeadlineExceeded)

	a.Close()
	b.Close()
	require.NoError(t, Lock(ctx, c, true, true), "free once the holders close")
}
