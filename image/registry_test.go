//go:build linux

package image

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/testimage"
	"github.com/berth-dev/berth/internal/testregistry"
	"github.com/berth-dev/berth/registryclient"
)

// fastRetry keeps failing pulls quick: one attempt.
func fastRetry() registryclient.Option { return registryclient.WithRetry(1, time.Millisecond) }

func openStoreWith(t *testing.T, opts ...registryclient.Option) (*Store, string) {
	t.Helper()
	reg, err := registryclient.New(opts...)
	require.NoError(t, err)
	root := t.TempDir()
	s, err := Open(context.Background(), root, WithRegistry(reg))
	require.NoError(t, err)
	return s, root
}

// upload puts img at ref on a plain-HTTP registry, bypassing the store.
func upload(t *testing.T, ref string, img v1.Image, opts ...remote.Option) {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	require.NoError(t, err)
	require.NoError(t, remote.Write(r, img, opts...))
}

func TestPushThenPull(t *testing.T) {
	ctx := context.Background()
	reg := testregistry.Start(t, testregistry.Options{})
	src, _ := openStoreWith(t)
	ref := reg.Host + "/team/busybox:1"
	img := mustWrite(t, src, testimage.Busybox(t), ref)
	require.NoError(t, src.Push(ctx, ref))
	pushed, err := src.Get(ctx, ref)
	require.NoError(t, err)
	wantDigest := reg.Host + "/team/busybox@" + img.ManifestDigest.String()
	require.Equal(t, []string{wantDigest}, pushed.RepoDigests)
	require.ErrorIs(t, src.Push(ctx, reg.Host+"/team/nosuch:1"), ErrNotFound)

	dst, root := openStoreWith(t)
	var mu sync.Mutex
	progress := map[v1.Hash]registryclient.Progress{}
	record := registryclient.WithProgress(func(p registryclient.Progress) {
		mu.Lock()
		defer mu.Unlock()
		progress[p.Digest] = p
	})
	pulled, err := dst.Pull(ctx, ref, record)
	require.NoError(t, err)
	layer := progress[img.Layers[0].Digest]
	require.True(t, layer.Done && !layer.Skipped, "the layer was downloaded")
	require.Equal(t, img.Layers[0].Size, layer.Complete)
	clear(progress)
	_, err = dst.Pull(ctx, ref, record)
	require.NoError(t, err)
	require.True(t, progress[img.Layers[0].Digest].Skipped, "a second pull skips the layer")
	require.Equal(t, img.ID, pulled.ID)
	require.Equal(t, img.ManifestDigest, pulled.ManifestDigest)
	require.Equal(t, []string{ref}, pulled.RepoTags)
	require.Equal(t, []string{wantDigest}, pulled.RepoDigests)
	require.Equal(t, 3, blobCount(t, root))
	checkStore(t, dst)

	// By digest: the digest is recorded, the tag stays.
	byDigest, err := dst.Pull(ctx, wantDigest)
	require.NoError(t, err)
	require.Equal(t, img.ID, byDigest.ID)
	require.Equal(t, []string{ref}, byDigest.RepoTags)
	got, err := dst.Get(ctx, wantDigest)
	require.NoError(t, err)
	require.Equal(t, img.ID, got.ID)
}

func TestPullWithCredentials(t *testing.T) {
	ctx := context.Background()
	reg := testregistry.Start(t, testregistry.Options{Username: "u", Password: "p"})
	ref := reg.Host + "/private/app:1"
	src := randomImage(t, 1024, 1)
	upload(t, ref, src, remote.WithAuth(&authnBasic{"u", "p"}))

	anon, root := openStoreWith(t, fastRetry())
	before := storeState(t, root)
	_, err := anon.Pull(ctx, ref)
	require.ErrorIs(t, err, registryclient.ErrUnauthorized)
	require.Equal(t, before, storeState(t, root))

	authed, _ := openStoreWith(t, registryclient.WithCredentials(reg.Host, "u", "p"))
	img, err := authed.Pull(ctx, ref)
	require.NoError(t, err)
	want, err := src.ConfigName()
	require.NoError(t, err)
	require.Equal(t, want, img.ID)
}

// blobTamperer serves a ggcr in-memory registry, altering the named blob.
type blobTamperer struct {
	next   http.Handler
	digest string
	mode   string // "corrupt" or "truncate"
}

func (b *blobTamperer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/blobs/"+b.digest) {
		b.next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	b.next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	switch b.mode {
	case "corrupt":
		body = append([]byte(nil), body...)
		body[len(body)/2] ^= 0xff
		w.WriteHeader(rec.Code)
		w.Write(body)
	case "truncate":
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.WriteHeader(rec.Code)
		w.Write(body[:len(body)/2])
		// Cut the connection so the client sees a short body.
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
	}
}

func TestPullBadInputLeavesStoreUnchanged(t *testing.T) {
	ctx := context.Background()
	img := randomImage(t, 64<<10, 3)
	layers, err := img.Layers()
	require.NoError(t, err)
	second, err := layers[1].Digest()
	require.NoError(t, err)

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	unreachable := closed.Addr().String()
	closed.Close()

	cases := []struct {
		name string
		mode string
		ref  func(host string) string
		want error
	}{
		{"digest mismatch", "corrupt", func(h string) string { return h + "/app:1" }, registryclient.ErrDigestMismatch},
		{"truncated blob", "truncate", func(h string) string { return h + "/app:1" }, registryclient.ErrDigestMismatch},
		{"not found", "", func(h string) string { return h + "/nosuch:1" }, registryclient.ErrNotFound},
		{"unreachable", "", func(string) string { return unreachable + "/app:1" }, registryclient.ErrUnreachable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(&blobTamperer{next: quietRegistry(), digest: second.String(), mode: tc.mode})
			defer srv.Close()
			host := strings.TrimPrefix(srv.URL, "http://")
			upload(t, host+"/app:1", img)

			s, root := openStoreWith(t, fastRetry())
			// The store already holds an image sharing nothing with img.
			mustWrite(t, s, randomImage(t, 1024, 1), "existing")
			before := storeState(t, root)
			_, err := s.Pull(ctx, tc.ref(host))
			require.ErrorIs(t, err, tc.want)
			require.Equal(t, before, storeState(t, root))
			require.Empty(t, ingestFiles(t, root))
		})
	}
}

func TestWriteReportsProgress(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	base := randomImage(t, 4096, 1)
	mustWrite(t, s, base)
	layers, err := base.Layers()
	require.NoError(t, err)
	present, err := layers[0].Digest()
	require.NoError(t, err)
	img := randomImage(t, 8192, 1)
	imgLayers, err := img.Layers()
	require.NoError(t, err)
	withBoth, err := mutateAppend(img, layers[0])
	require.NoError(t, err)
	fresh, err := imgLayers[0].Digest()
	require.NoError(t, err)

	var mu sync.Mutex
	last := map[v1.Hash]registryclient.Progress{}
	_, err = s.write(ctx, []writeItem{{img: withBoth}}, func(p registryclient.Progress) {
		mu.Lock()
		defer mu.Unlock()
		last[p.Digest] = p
	})
	require.NoError(t, err)
	require.True(t, last[present].Skipped && last[present].Done, "a blob in the store is skipped")
	require.False(t, last[fresh].Skipped)
	require.True(t, last[fresh].Done)
	require.Equal(t, last[fresh].Total, last[fresh].Complete)
	require.Positive(t, last[fresh].Total)
}

// authnBasic is a basic-auth authenticator for uploads.
type authnBasic struct{ user, pass string }

func (a *authnBasic) Authorization() (*authnConfig, error) {
	return &authnConfig{Username: a.user, Password: a.pass}, nil
}

// --- crash safety ---

const (
	pullRootEnv = "BERTH_IMAGE_PULL_ROOT"
	pullRefEnv  = "BERTH_IMAGE_PULL_REF"
)

// TestHelperPull is not a test: TestPullSurvivesKill runs the test binary
// with -test.run=TestHelperPull to get a pulling process it can SIGKILL.
func TestHelperPull(t *testing.T) {
	root := os.Getenv(pullRootEnv)
	if root == "" {
		return
	}
	s, err := Open(context.Background(), root)
	require.NoError(t, err)
	_, err = s.Pull(context.Background(), os.Getenv(pullRefEnv))
	require.NoError(t, err)
}

// blobProxy forwards to a registry, counting blob GETs per digest and
// slowing every blob but one.
type blobProxy struct {
	proxy *httputil.ReverseProxy
	fast  string // digest served at full speed

	mu       sync.Mutex
	gets     map[string]int
	throttle bool
}

func (p *blobProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := strings.LastIndex(r.URL.Path, "/blobs/")
	if r.Method != http.MethodGet || i < 0 {
		p.proxy.ServeHTTP(w, r)
		return
	}
	digest := r.URL.Path[i+len("/blobs/"):]
	p.mu.Lock()
	p.gets[digest]++
	slow := p.throttle && digest != p.fast
	p.mu.Unlock()
	if slow {
		w = &slowWriter{ResponseWriter: w, proxy: p}
	}
	p.proxy.ServeHTTP(w, r)
}

func (p *blobProxy) count(digest v1.Hash) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gets[digest.String()]
}

// slowWriter passes 64 KiB every 50ms while the proxy throttles.
type slowWriter struct {
	http.ResponseWriter
	proxy *blobProxy
}

func (s *slowWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		s.proxy.mu.Lock()
		throttle := s.proxy.throttle
		s.proxy.mu.Unlock()
		chunk := len(b)
		if throttle && chunk > 64<<10 {
			chunk = 64 << 10
		}
		m, err := s.ResponseWriter.Write(b[:chunk])
		n += m
		if err != nil {
			return n, err
		}
		if f, ok := s.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
		b = b[chunk:]
		if throttle {
			time.Sleep(50 * time.Millisecond)
		}
	}
	return n, nil
}

func TestPullSurvivesKill(t *testing.T) {
	ctx := context.Background()
	reg := testregistry.Start(t, testregistry.Options{})
	img := randomImage(t, 8<<20, 4)
	upload(t, reg.Host+"/big/app:1", img)
	layers, err := img.Layers()
	require.NoError(t, err)
	var digests []v1.Hash
	for _, l := range layers {
		d, err := l.Digest()
		require.NoError(t, err)
		digests = append(digests, d)
	}

	target, err := url.Parse(reg.URL)
	require.NoError(t, err)
	bp := &blobProxy{proxy: httputil.NewSingleHostReverseProxy(target), fast: digests[0].String(), gets: map[string]int{}, throttle: true}
	bp.proxy.FlushInterval = -1
	proxy := httptest.NewServer(bp)
	defer proxy.Close()
	ref := strings.TrimPrefix(proxy.URL, "http://") + "/big/app:1"

	root := t.TempDir()
	s, err := Open(ctx, root)
	require.NoError(t, err)
	before := storeState(t, root)
	indexBefore, _ := os.ReadFile(filepath.Join(root, storeDirName, indexFileName))

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperPull$", "-test.count=1")
	cmd.Env = append(os.Environ(), pullRootEnv+"="+root, pullRefEnv+"="+ref)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})

	// Wait until the fast layer is a verified blob and a slow one is
	// partly in ingest, then kill the puller.
	firstBlob := filepath.Join(root, storeDirName, blobsDirName, "sha256", digests[0].Hex)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		_, blobErr := os.Stat(firstBlob)
		if blobErr == nil && partialIngest(t, root) {
			break
		}
		select {
		case err := <-done:
			done <- err
			t.Fatalf("puller exited before the kill: %v\n%s", err, out.String())
		default:
		}
		require.True(t, time.Now().Before(deadline), "pull made no progress:\n%s", out.String())
		time.Sleep(10 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	err = <-done
	done <- err
	require.Error(t, err, "the puller was killed")

	// The dead pull left an ingest file, a half-unpacked layer and a
	// verified blob; Open removes the first two, keeps the third; the
	// index is as before.
	require.NotEmpty(t, ingestFiles(t, root))
	layerTmp := filepath.Join(root, "layer", "tmp")
	require.NotEmpty(t, readDirNames(t, layerTmp), "a layer was being unpacked")
	s, err = Open(ctx, root)
	require.NoError(t, err)
	require.Empty(t, ingestFiles(t, root))
	require.Empty(t, readDirNames(t, layerTmp), "Open cleans interrupted unpacks")
	require.FileExists(t, firstBlob)
	indexAfter, _ := os.ReadFile(filepath.Join(root, storeDirName, indexFileName))
	require.Equal(t, indexBefore, indexAfter, "no half image in the index")
	imgs, err := s.List(ctx, ListOptions{})
	require.NoError(t, err)
	require.Empty(t, imgs)
	require.NotEqual(t, before, storeState(t, root), "the verified blob is kept for the next pull")

	// The next pull does not fetch the verified blob again.
	bp.mu.Lock()
	bp.throttle = false
	bp.mu.Unlock()
	require.Equal(t, 1, bp.count(digests[0]))
	pulled, err := s.Pull(ctx, ref)
	require.NoError(t, err)
	want, err := img.ConfigName()
	require.NoError(t, err)
	require.Equal(t, want, pulled.ID)
	require.Equal(t, 1, bp.count(digests[0]), "the verified blob was fetched again")
	for _, d := range digests[1:] {
		require.GreaterOrEqual(t, bp.count(d), 1)
	}
	for _, l := range pulled.Layers {
		require.DirExists(t, l.Dir, "every layer unpacked after the resumed pull")
	}
	checkStore(t, s)
}

func readDirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// partialIngest reports whether an ingest file holds some bytes.
func partialIngest(t *testing.T, root string) bool {
	for _, n := range ingestFiles(t, root) {
		st, err := os.Stat(filepath.Join(root, storeDirName, ingestDirName, n))
		if err == nil && st.Size() > 0 {
			return true
		}
	}
	return false
}
