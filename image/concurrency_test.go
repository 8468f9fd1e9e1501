//go:build linux

package image

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/testimage"
)

// checkStore verifies every image in the store: its index entry parses and
// every blob is present and hashes to its digest.
func checkStore(t *testing.T, s *Store) []*Image {
	t.Helper()
	ctx := context.Background()
	imgs, err := s.List(ctx, ListOptions{})
	require.NoError(t, err)
	for _, img := range imgs {
		v1img, err := s.V1Image(ctx, img)
		require.NoError(t, err)
		layers, err := v1img.Layers()
		require.NoError(t, err)
		require.Len(t, layers, len(img.Layers))
		for _, l := range img.Layers {
			layer, err := v1img.LayerByDigest(l.Digest)
			require.NoError(t, err)
			rc, err := layer.Compressed()
			require.NoError(t, err)
			h := sha256.New()
			_, err = io.Copy(h, rc)
			rc.Close()
			require.NoError(t, err)
			require.Equal(t, l.Digest, hashOf(h), img.ShortID())
		}
	}
	return imgs
}

func TestManyGoroutines(t *testing.T) {
	ctx := context.Background()
	s, root := openStore(t)
	shared := testimage.Layer(t, testimage.File{Name: "shared", Body: []byte("in every image")})
	srv := httptest.NewServer(quietRegistry())
	defer srv.Close()
	pulled := strings.TrimPrefix(srv.URL, "http://") + "/pulled:1"
	pulledImage := randomImage(t, 64<<10, 3)
	upload(t, pulled, pulledImage)
	const workers, rounds = 8, 6
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*4)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				base := randomImage(t, 2048, 2)
				img, err := mutate.AppendLayers(base, shared)
				if err != nil {
					errs <- err
					return
				}
				name := fmt.Sprintf("w%d:%d", w, r)
				stored, err := s.Write(ctx, img, name, "common:latest")
				if err != nil {
					errs <- err
					continue
				}
				if err := s.Tag(ctx, name, fmt.Sprintf("w%d:keep%d", w, r)); err != nil {
					errs <- err
				}
				if _, err := s.List(ctx, ListOptions{Reference: []string{"w*"}}); err != nil {
					errs <- err
				}
				if _, err := s.Pull(ctx, pulled); err != nil {
					errs <- err
				}
				if r%2 == 1 { // remove every other image entirely
					if _, err := s.Remove(ctx, stored.ID.String(), true); err != nil {
						errs <- fmt.Errorf("remove %s: %w", name, err)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	imgs := checkStore(t, s)
	require.Len(t, imgs, workers*rounds/2+1)
	got, err := s.Get(ctx, pulled)
	require.NoError(t, err)
	wantID, err := pulledImage.ConfigName()
	require.NoError(t, err)
	require.Equal(t, wantID, got.ID)
	for w := range workers {
		for r := 0; r < rounds; r += 2 {
			img, err := s.Get(ctx, fmt.Sprintf("w%d:keep%d", w, r))
			require.NoError(t, err)
			require.Contains(t, img.RepoTags, fmt.Sprintf("w%d:%d", w, r))
		}
	}
	common, err := s.List(ctx, ListOptions{Reference: []string{"common"}})
	require.NoError(t, err)
	require.LessOrEqual(t, len(common), 1, "a name is on at most one image")
	require.Empty(t, ingestFiles(t, root))
}

const (
	helperRootEnv   = "BERTH_IMAGE_HELPER_ROOT"
	helperPrefixEnv = "BERTH_IMAGE_HELPER_PREFIX"
	helperCountEnv  = "BERTH_IMAGE_HELPER_COUNT"
)

// TestHelperWriter is not a test: TestTwoProcesses runs the test binary
// with -test.run=TestHelperWriter and the environment set, to get a second
// process writing to the same store.
func TestHelperWriter(t *testing.T) {
	root := os.Getenv(helperRootEnv)
	if root == "" {
		return // run directly: nothing to do
	}
	ctx := context.Background()
	s, err := Open(ctx, root)
	require.NoError(t, err)
	n, err := strconv.Atoi(os.Getenv(helperCountEnv))
	require.NoError(t, err)
	prefix := os.Getenv(helperPrefixEnv)
	for i := range n {
		name := fmt.Sprintf("%s:%d", prefix, i)
		img, err := s.Write(ctx, randomImage(t, 4096, 2), name, "contested:latest")
		require.NoError(t, err)
		if i%3 == 2 {
			_, err := s.Remove(ctx, img.ID.String(), true)
			require.NoError(t, err)
		}
	}
}

func TestTwoProcesses(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	const count = 12
	var cmds []*exec.Cmd
	for _, prefix := range []string{"proc-a", "proc-b"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperRootEnv+"="+root, helperPrefixEnv+"="+prefix, helperCountEnv+"="+strconv.Itoa(count))
		out := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		require.NoError(t, cmd.Start())
		cmds = append(cmds, cmd)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("%s output:\n%s", prefix, out.String())
			}
		})
	}
	for _, cmd := range cmds {
		require.NoError(t, cmd.Wait())
	}
	s, err := Open(ctx, root)
	require.NoError(t, err)
	imgs := checkStore(t, s)
	// Each process removed every third of its images, whatever the
	// interleaving; "contested" ends on exactly one image.
	require.Len(t, imgs, 2*(count-count/3))
	for _, prefix := range []string{"proc-a", "proc-b"} {
		for i := range count {
			_, err := s.Get(ctx, fmt.Sprintf("%s:%d", prefix, i))
			if i%3 == 2 {
				require.ErrorIs(t, err, ErrNotFound)
			} else {
				require.NoError(t, err)
			}
		}
	}
	named := 0
	for _, img := range imgs {
		for _, tag := range img.RepoTags {
			if tag == "contested:latest" {
				named++
			}
		}
	}
	require.LessOrEqual(t, named, 1)
	require.Empty(t, ingestFiles(t, root))
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
