package image

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Holds are links: making and dropping them leaves index.json as it was,
// however many there are, and many goroutines make them at once.
func TestHoldsLeaveTheIndexAlone(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	img := mustWrite(t, s, randomImage(t, 64, 1), "x")
	index := filepath.Join(s.dir, indexFileName)
	before, err := os.Stat(index)
	require.NoError(t, err)

	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { assert.NoError(t, s.Hold(ctx, img.ID, fmt.Sprintf("c%d", i))) })
	}
	wg.Wait()
	require.NoError(t, s.Hold(ctx, img.ID, "c7"), "holding twice is one hold")
	after, err := os.Stat(index)
	require.NoError(t, err)
	assert.True(t, os.SameFile(before, after), "index.json not rewritten")

	_, err = s.Remove(ctx, "x", false)
	require.ErrorIs(t, err, ErrInUse)
	for i := range 50 {
		require.NoError(t, s.Release(ctx, img.ID, fmt.Sprintf("c%d", i)))
	}
	require.NoError(t, s.Release(ctx, img.ID, "c7"), "released twice")
	rep, err := s.Remove(ctx, "x", false)
	require.NoError(t, err)
	assert.Len(t, rep.Deleted, 1)
	left, err := os.ReadDir(filepath.Join(s.dir, holdsDirName))
	require.NoError(t, err)
	assert.Empty(t, left, "the anchor goes with the image")
}

// An index written by an earlier version keeps its holds in the entry:
// they still hold the image, and Release drops them.
func TestHoldsInTheIndexAreHonoured(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	img := mustWrite(t, s, randomImage(t, 64, 1), "x")
	require.NoError(t, s.update(ctx, func(idx *index) error {
		idx.Images[img.ID.String()].Holds = []string{"old"}
		return nil
	}))
	_, err := s.Remove(ctx, "x", false)
	require.ErrorIs(t, err, ErrInUse)
	assert.Contains(t, err.Error(), "used by container old")
	rep, _, err := s.Prune(ctx, PruneOptions{All: true})
	require.NoError(t, err)
	assert.Empty(t, rep.Deleted)

	require.NoError(t, s.Release(ctx, img.ID, "old"))
	idx, err := s.readIndex()
	require.NoError(t, err)
	assert.Empty(t, idx.Images[img.ID.String()].Holds)
	_, err = s.Remove(ctx, "x", false)
	require.NoError(t, err)
}

func TestHoldRefusesBadHoldersAndMissingImages(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	img := mustWrite(t, s, randomImage(t, 64, 1), "x")
	for _, h := range []string{"", ".hidden", "a/b", "nul\x00"} {
		require.ErrorIs(t, s.Hold(ctx, img.ID, h), ErrInvalid, "%q", h)
	}
	other := randomImage(t, 64, 1)
	id, err := other.ConfigName()
	require.NoError(t, err)
	require.ErrorIs(t, s.Hold(ctx, id, "c1"), ErrNotFound)
}
