package image

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/google/go-containerregistry/pkg/compression"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/privileged"
	"github.com/berth-dev/berth/internal/testimage"
	"github.com/berth-dev/berth/layer"
)

// tarLayer builds a layer from raw tar entries with the given compression.
func tarLayer(t *testing.T, comp compression.Compression, mediaType types.MediaType, entries ...*tar.Header) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range entries {
		require.NoError(t, tw.WriteHeader(h))
		if h.Size > 0 {
			_, err := tw.Write(bytes.Repeat([]byte("x"), int(h.Size)))
			require.NoError(t, err)
		}
	}
	require.NoError(t, tw.Close())
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
		tarball.WithCompression(comp), tarball.WithMediaType(mediaType))
	require.NoError(t, err)
	return l
}

// TestZstdAndGzipLayersUnpack stores an image mixing zstd and gzip layers:
// both are unpacked by content, whatever the media type says.
func TestZstdAndGzipLayersUnpack(t *testing.T) {
	privileged.Require(t)
	s, _ := openStore(t)
	zl := tarLayer(t, compression.ZStd, types.OCILayerZStd, &tar.Header{Name: "zstd-file", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1000})
	src := testimage.Image(t, v1.Config{}, testimage.BusyboxLayer(t), zl)
	img := mustWrite(t, s, src, "mixed")
	require.Len(t, img.Layers, 2)
	require.Equal(t, string(types.OCILayerZStd), img.Layers[1].MediaType)
	require.FileExists(t, img.Layers[1].Dir+"/zstd-file")
	require.Equal(t, int64(1000), img.Layers[1].UnpackedSize)
}

// TestHostileLayerFailsThePullAndLeavesNothing stores an image with a
// layer that tries to escape: the write fails with the unpacker's typed
// error, and neither blobs nor layer directories nor temporary files stay.
func TestHostileLayerFailsThePullAndLeavesNothing(t *testing.T) {
	privileged.Require(t)
	ctx := context.Background()
	s, root := openStore(t)
	before := storeState(t, root)
	hostile := tarLayer(t, compression.GZip, types.DockerLayer, &tar.Header{Name: "../../escape", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1})
	src := testimage.Image(t, v1.Config{}, testimage.BusyboxLayer(t), hostile)
	_, err := s.Write(ctx, src, "hostile")
	require.ErrorIs(t, err, layer.ErrUnsafeEntry)
	var entryErr *layer.EntryError
	require.ErrorAs(t, err, &entryErr)
	require.Equal(t, "../../escape", entryErr.Name)
	require.Equal(t, before, storeState(t, root), "the store is as before")
	require.Empty(t, readDirNames(t, root+"/layer/tmp"))
	require.Empty(t, readDirNames(t, root+"/layer/sha256"), "the good layer of the failed image is rolled back too")

	// A later write of a good image starts clean.
	img := mustWrite(t, s, testimage.Busybox(t), "busybox")
	require.DirExists(t, img.Layers[0].Dir)
}
