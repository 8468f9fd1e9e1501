package image

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/privileged"
	"github.com/berth-dev/berth/registryclient"
)

// mountTinyFS mounts a 512 KiB tmpfs for the rest of the test.
func mountTinyFS(t *testing.T) string {
	t.Helper()
	privileged.Require(t)
	dir := t.TempDir()
	require.NoError(t, unix.Mount("tmpfs", dir, "tmpfs", 0, "size=512k"))
	t.Cleanup(func() { require.NoError(t, unix.Unmount(dir, 0)) })
	return dir
}

func TestFullDiskLeavesStoreUnchanged(t *testing.T) {
	ctx := context.Background()
	src, _ := openStore(t)
	small := mustWrite(t, src, randomImage(t, 4096, 1), "small")
	big := mustWrite(t, src, randomImage(t, 400<<10, 2), "big") // 800 KiB of layers
	var archive bytes.Buffer
	require.NoError(t, src.Save(ctx, &archive, "big"))
	bigV1, err := src.V1Image(ctx, big)
	require.NoError(t, err)

	root := mountTinyFS(t)
	s, err := Open(ctx, root)
	require.NoError(t, err)
	smallV1, err := src.V1Image(ctx, small)
	require.NoError(t, err)
	mustWrite(t, s, smallV1, "small") // the store works and is not empty
	before := storeState(t, root)

	_, err = s.Load(ctx, bytes.NewReader(archive.Bytes()))
	require.ErrorIs(t, err, syscall.ENOSPC)
	require.Equal(t, before, storeState(t, root))
	require.Empty(t, ingestFiles(t, root))

	_, err = s.Write(ctx, bigV1, "big")
	require.ErrorIs(t, err, syscall.ENOSPC)
	require.Equal(t, before, storeState(t, root))
	require.Empty(t, ingestFiles(t, root))
	checkStore(t, s)
}

func TestPullOntoFullDisk(t *testing.T) {
	ctx := context.Background()
	root := mountTinyFS(t)
	srv := httptest.NewServer(quietRegistry())
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	upload(t, host+"/big:1", randomImage(t, 300<<10, 3))

	reg, err := registryclient.New(fastRetry())
	require.NoError(t, err)
	s, err := Open(ctx, root, WithRegistry(reg))
	require.NoError(t, err)
	before := storeState(t, root)
	_, err = s.Pull(ctx, host+"/big:1")
	require.ErrorIs(t, err, syscall.ENOSPC)
	require.Equal(t, before, storeState(t, root))
	require.Empty(t, ingestFiles(t, root))
}
