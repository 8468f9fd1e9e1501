package layer

import (
	"bytes"
	"io"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"
)

func TestDecompress(t *testing.T) {
	plain := bytes.Repeat([]byte("berth layer "), 1000)
	var gz, zs bytes.Buffer
	gw := gzip.NewWriter(&gz)
	_, err := gw.Write(plain)
	require.NoError(t, err)
	require.NoError(t, gw.Close())
	zw, err := zstd.NewWriter(&zs)
	require.NoError(t, err)
	_, err = zw.Write(plain)
	require.NoError(t, err)
	require.NoError(t, zw.Close())

	for _, tc := range []struct {
		in   []byte
		want Compression
	}{{plain, Uncompressed}, {gz.Bytes(), Gzip}, {zs.Bytes(), Zstd}, {nil, Uncompressed}} {
		rc, got, err := Decompress(bytes.NewReader(tc.in))
		require.NoError(t, err)
		require.Equal(t, tc.want, got)
		out, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		if tc.in != nil {
			require.Equal(t, plain, out, tc.want.String())
		}
	}

	// A gzip stream cut short is an error, not a short layer.
	rc, _, err := Decompress(bytes.NewReader(gz.Bytes()[:gz.Len()/2]))
	require.NoError(t, err)
	_, err = io.ReadAll(rc)
	require.Error(t, err)
}
