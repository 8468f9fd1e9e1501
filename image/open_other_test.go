//go:build !linux

package image

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOpenIsNotSupported(t *testing.T) {
	_, err := Open(context.Background(), t.TempDir())
	require.ErrorIs(t, err, ErrNotSupported)
}
