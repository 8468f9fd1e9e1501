//go:build unix

package userspec

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestResolveFIFO checks that a FIFO where /etc/passwd should be is treated
// as missing instead of blocking forever on open or read.
func TestResolveFIFO(t *testing.T) {
	root, dir := rootfs(t, map[string]string{"etc/group": debianGroup}, nil)
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "etc", "passwd"), 0o644))

	type result struct {
		user User
		err  error
	}
	done := make(chan result, 1)
	go func() {
		u, err := Resolve(root, "1000:staff", nil)
		done <- result{u, err}
	}()
	select {
	case r := <-done:
		require.NoError(t, r.err)
		assert.Equal(t, User{UID: 1000, GID: 50, AdditionalGIDs: []uint32{50}, Home: "/"}, r.user)
	case <-time.After(10 * time.Second):
		t.Fatal("Resolve blocked on a FIFO")
	}
}
