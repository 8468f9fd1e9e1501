package seccomp

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEncodeDecodeRoundTrip(t *testing.T) {
	filter, err := Default().Compile(runtime.GOARCH, []string{"CAP_CHOWN"})
	require.NoError(t, err)
	b := Encode(filter)
	assert.Len(t, b, 8*len(filter))
	got, err := Decode(b)
	require.NoError(t, err)
	assert.Equal(t, filter, got)

	for _, bad := range [][]byte{nil, make([]byte, 7), make([]byte, 8*(maxInstructions+1))} {
		_, err := Decode(bad)
		assert.ErrorIs(t, err, ErrInvalidFilter, len(bad))
	}
}
