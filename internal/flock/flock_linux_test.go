package flock

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// opener returns a function that opens one lock file again each call.
func opener(t *testing.T) func() *os.File {
	path := filepath.Join(t.TempDir(), "lock")
	return func() *os.File {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		require.NoError(t, err)
		t.Cleanup(func() { f.Close() })
		return f
	}
}

func TestLockExcludesOtherOpens(t *testing.T) {
	open := opener(t)
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

func TestCancelledWaitLeavesNoLockOnceClosed(t *testing.T) {
	open := opener(t)
	ctx := context.Background()
	holder, waiter := open(), open()
	require.NoError(t, Lock(ctx, holder, true, false))

	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, Lock(short, waiter, true, true), context.DeadlineExceeded)
	waiter.Close() // as every caller does when Lock fails

	// A waiter blocked in the kernel gets the lock when the holder lets go,
	// and the cancelled wait above keeps nothing once its file is closed.
	got := make(chan error, 1)
	next := open()
	go func() { got <- Lock(ctx, next, true, true) }()
	holder.Close()
	require.NoError(t, <-got)
	require.ErrorIs(t, Lock(ctx, open(), true, false), ErrLocked, "next holds it")
	next.Close()
	later, cancel2 := context.WithTimeout(ctx, 10*time.Second)
	defer cancel2()
	require.NoError(t, Lock(later, open(), true, true))
}
