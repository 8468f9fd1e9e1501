package testregistry_test

import (
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/testimage"
	"github.com/berth-dev/berth/internal/testregistry"
)

func TestPlainAndAuth(t *testing.T) {
	img := testimage.Busybox(t)
	want, err := img.Digest()
	require.NoError(t, err)

	plain := testregistry.Start(t, testregistry.Options{})
	ref, err := name.ParseReference(plain.Host + "/busybox:latest")
	require.NoError(t, err)
	require.NoError(t, remote.Write(ref, img))
	got, err := remote.Head(ref)
	require.NoError(t, err)
	require.Equal(t, want, got.Digest)

	secured := testregistry.Start(t, testregistry.Options{Username: "alice", Password: "s3cret"})
	ref, err = name.ParseReference(secured.Host + "/busybox:latest")
	require.NoError(t, err)
	require.Error(t, remote.Write(ref, img), "anonymous push must be refused")
	require.NoError(t, remote.Write(ref, img, remote.WithAuth(&authn.Basic{Username: "alice", Password: "s3cret"})))
}
