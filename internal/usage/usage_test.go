package usage

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDirCountsFilesAndHardlinksOnce(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a", "b", "f"), make([]byte, 1000), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "g"), make([]byte, 24), 0o644))
	require.NoError(t, os.Link(filepath.Join(dir, "g"), filepath.Join(dir, "a", "g2")))
	assert.Equal(t, int64(1024), Dir(dir))
	assert.Equal(t, int64(0), Dir(filepath.Join(dir, "missing")))
}
