package main

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/bench/internal/bigimage"
)

func TestRunPushesTheGeneratedImage(t *testing.T) {
	srv := httptest.NewServer(registry.New())
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	refText := host + "/bench/big:latest"

	require.NoError(t, run([]string{"-layers", "3", "-size", "96KiB", "-seed", "5", "-ref", refText}))

	want, err := bigimage.Generate(bigimage.Spec{Layers: 3, Size: 96 << 10, Seed: 5})
	require.NoError(t, err)
	wantDigest, err := want.Digest()
	require.NoError(t, err)

	ref, err := name.ParseReference(refText)
	require.NoError(t, err)
	got, err := remote.Image(ref)
	require.NoError(t, err)
	gotDigest, err := got.Digest()
	require.NoError(t, err)
	require.Equal(t, wantDigest, gotDigest)
	layers, err := got.Layers()
	require.NoError(t, err)
	require.Len(t, layers, 3)
}

func TestRunPushesBinaryContentInManyFiles(t *testing.T) {
	srv := httptest.NewServer(registry.New())
	t.Cleanup(srv.Close)
	refText := strings.TrimPrefix(srv.URL, "http://") + "/bench/unpack:latest"

	require.NoError(t, run([]string{"-layers", "2", "-size", "256KiB", "-content", "binary", "-files", "8", "-ref", refText}))

	want, err := bigimage.Generate(bigimage.Spec{Layers: 2, Size: 256 << 10, Seed: 1, Content: bigimage.Binary, Files: 8})
	require.NoError(t, err)
	wantDigest, err := want.Digest()
	require.NoError(t, err)
	ref, err := name.ParseReference(refText)
	require.NoError(t, err)
	got, err := remote.Image(ref)
	require.NoError(t, err)
	gotDigest, err := got.Digest()
	require.NoError(t, err)
	require.Equal(t, wantDigest, gotDigest)
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{},                                 // no -ref
		{"-ref", "127.0.0.1:1/x", "extra"}, // stray argument
		{"-ref", "127.0.0.1:1/x", "-size", "lots"},
		{"-ref", "127.0.0.1:1/x", "-layers", "0"},
		{"-ref", "UPPER/case"},
		{"-ref", "127.0.0.1:1/x", "-content", "text"},
		{"-ref", "127.0.0.1:1/x", "-files", "-2"},
	} {
		require.Error(t, run(args), "%q", args)
	}
}
