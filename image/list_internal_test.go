package image

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReaderSeesRemovalNotCorruption: readers take no lock, so an image
// can be removed and its blobs collected between a reader's reading of
// the index and of the blobs. The missing blobs then mean the image is
// gone; only an image still in the index with missing blobs is corrupt.
func TestReaderSeesRemovalNotCorruption(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	gone, err := s.Write(ctx, randomImage(t, 1024, 1), "gone:1")
	require.NoError(t, err)
	kept, err := s.Write(ctx, randomImage(t, 1024, 1), "kept:1")
	require.NoError(t, err)

	stale, err := s.readIndex()
	require.NoError(t, err)
	_, err = s.Remove(ctx, "gone:1", false)
	require.NoError(t, err)

	// What Get and List read for the image from the stale index.
	_, err = s.imageOf(gone.ID.String(), stale.Images[gone.ID.String()])
	require.ErrorIs(t, err, ErrCorrupt, "its blobs were collected")
	assert.True(t, s.changedSince(stale, gone.ID.String()))
	assert.False(t, s.changedSince(stale, kept.ID.String()))

	// Retagging changes an entry too: a name read from the stale index
	// may now point elsewhere.
	require.NoError(t, s.Tag(ctx, "kept:1", "kept:2"))
	assert.True(t, s.changedSince(stale, kept.ID.String()))
}
