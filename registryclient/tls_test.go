package registryclient

import (
	"context"
	"net"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tlsRegistry serves the in-memory registry over TLS with httptest's
// self-signed certificate, on addr ("127.0.0.1:0" or "[::1]:0").
func tlsRegistry(t *testing.T, addr string) string {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(registry.New(registry.Logger(nopLogger())))
	srv.Listener.Close()
	srv.Listener = l
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "https://")
}

func TestLoopbackTLSIsInsecureByDefault(t *testing.T) {
	ctx := context.Background()
	host := tlsRegistry(t, "127.0.0.1:0")
	r := newClient(t)
	img, err := random.Image(256, 1)
	require.NoError(t, err)
	ref := mustRef(t, host+"/tls:1")
	require.NoError(t, r.Push(ctx, ref, img))
	_, _, err = r.Image(ctx, ref)
	require.NoError(t, err)
}

func TestIPv6LoopbackTLSIsVerified(t *testing.T) {
	ctx := context.Background()
	host := tlsRegistry(t, "[::1]:0")
	require.True(t, strings.HasPrefix(host, "[::1]:"), host)
	img, err := random.Image(256, 1)
	require.NoError(t, err)
	ref := mustRef(t, host+"/tls:1")

	_, _, err = newClient(t).Image(ctx, ref)
	require.ErrorIs(t, err, ErrTLSVerification, "self-signed certificate on a secure registry")
	require.ErrorIs(t, err, ErrUnreachable)

	for _, entry := range []string{"::1/128", host} {
		t.Run(entry, func(t *testing.T) {
			r := newClient(t, WithInsecureRegistries(entry))
			require.NoError(t, r.Push(ctx, ref, img))
			_, desc, err := r.Image(ctx, ref)
			require.NoError(t, err)
			want, _ := img.Digest()
			assert.Equal(t, want, desc.Digest)
		})
	}
}
