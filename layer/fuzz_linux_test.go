package layer

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/privileged"
)

// fuzzOutside is the absolute target the corpus' symlinks aim at while
// fuzzing; each iteration checks the sandbox around the layer instead.
const fuzzOutside = "/berth-fuzz-outside"

// FuzzUnpack drives the unpacker with arbitrary tar streams, seeded with
// the hostile corpus: whatever the input, it must not panic and must not
// touch anything beside the layer directory.
func FuzzUnpack(f *testing.F) {
	for _, tc := range hostileCorpus {
		f.Add(makeTar(f, tc.entries(fuzzOutside)...))
	}
	f.Add(makeTar(f, dir("a/"), file("a/b", "c"), hardlink("a/d", "a/b"), symlink("e", "a")))
	f.Fuzz(func(t *testing.T, data []byte) {
		privileged.Require(t)
		base := t.TempDir()
		layerDir := filepath.Join(base, "layer")
		require.NoError(t, os.Mkdir(layerDir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(base, "sentinel"), []byte("keep"), 0o644))
		past := time.Unix(1_000_000_000, 0)
		require.NoError(t, os.Chtimes(base, past, past))
		before := snapshot(t, base, layerDir)
		_, _ = Unpack(context.Background(), layerDir, bytes.NewReader(data), WithLimits(Limits{MaxEntries: 1000, MaxBytes: 1 << 20}))
		require.Equal(t, before, snapshot(t, base, layerDir))
		_, err := os.Lstat(fuzzOutside)
		require.True(t, os.IsNotExist(err), "%s was created", fuzzOutside)
	})
}
