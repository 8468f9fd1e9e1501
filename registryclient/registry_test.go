package registryclient

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memRegistry serves ggcr's in-memory registry on 127.0.0.1, optionally
// through wrap, and returns its host.
func memRegistry(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	var h http.Handler = registry.New(registry.Logger(nopLogger()))
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func newClient(t *testing.T, opts ...Option) *Registry {
	t.Helper()
	base := []Option{WithDockerConfigDir(t.TempDir()), WithRetry(2, time.Millisecond)}
	r, err := New(append(base, opts...)...)
	require.NoError(t, err)
	return r
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	ref, err := ParseReference(s)
	require.NoError(t, err)
	return ref
}

func readAll(t *testing.T, open func() (io.ReadCloser, error)) ([]byte, error) {
	t.Helper()
	rc, err := open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func TestPushThenImage(t *testing.T) {
	ctx := context.Background()
	host := memRegistry(t, nil)
	r := newClient(t)
	img, err := random.Image(2048, 2)
	require.NoError(t, err)
	ref := mustRef(t, host+"/round/trip:v1")
	require.NoError(t, r.Push(ctx, ref, img))

	got, desc, err := r.Image(ctx, ref)
	require.NoError(t, err)
	want, err := img.Digest()
	require.NoError(t, err)
	assert.Equal(t, want, desc.Digest, "RepoDigest is the manifest's digest")
	gotDigest, err := got.Digest()
	require.NoError(t, err)
	assert.Equal(t, want, gotDigest)

	wantLayers, err := img.Layers()
	require.NoError(t, err)
	gotLayers, err := got.Layers()
	require.NoError(t, err)
	require.Len(t, gotLayers, 2)
	for i, l := range gotLayers {
		wantBytes, err := readAll(t, wantLayers[i].Compressed)
		require.NoError(t, err)
		gotBytes, err := readAll(t, l.Compressed)
		require.NoError(t, err)
		assert.Equal(t, wantBytes, gotBytes)
		wantU, err := readAll(t, wantLayers[i].Uncompressed)
		require.NoError(t, err)
		gotU, err := readAll(t, l.Uncompressed)
		require.NoError(t, err)
		assert.Equal(t, wantU, gotU)
	}
}

// platformIndex pushes an index with one random image per platform and
// returns the images by "os/arch".
func platformIndex(t *testing.T, r *Registry, ref name.Reference, platforms ...v1.Platform) (v1.Hash, map[string]v1.Hash) {
	t.Helper()
	idx := mutate.IndexMediaType(empty.Index, "application/vnd.oci.image.index.v1+json")
	digests := map[string]v1.Hash{}
	for _, p := range platforms {
		img, err := random.Image(512, 1)
		require.NoError(t, err)
		cf, err := img.ConfigFile()
		require.NoError(t, err)
		cf = cf.DeepCopy()
		cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
		img, err = mutate.ConfigFile(img, cf)
		require.NoError(t, err)
		p := p
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
		d, err := img.Digest()
		require.NoError(t, err)
		digests[platformString(p)] = d
	}
	require.NoError(t, remote.WriteIndex(r.policyReference(ref), idx, r.remoteOptions(context.Background())...))
	d, err := idx.Digest()
	require.NoError(t, err)
	return d, digests
}

func TestImageFromIndex(t *testing.T) {
	ctx := context.Background()
	host := memRegistry(t, nil)
	r := newClient(t)
	ref := mustRef(t, host+"/multi:latest")
	other := v1.Platform{OS: "linux", Architecture: "riscv64"}
	if HostPlatform().Architecture == "riscv64" {
		other.Architecture = "s390x"
	}
	indexDigest, images := platformIndex(t, r, ref, other, HostPlatform())

	t.Run("default is the host platform", func(t *testing.T) {
		img, desc, err := r.Image(ctx, ref)
		require.NoError(t, err)
		assert.Equal(t, indexDigest, desc.Digest, "RepoDigest is the index's digest")
		d, err := img.Digest()
		require.NoError(t, err)
		assert.Equal(t, images[platformString(HostPlatform())], d)
	})
	t.Run("WithPlatform", func(t *testing.T) {
		img, desc, err := r.Image(ctx, ref, WithPlatform(other))
		require.NoError(t, err)
		assert.Equal(t, indexDigest, desc.Digest)
		d, err := img.Digest()
		require.NoError(t, err)
		assert.Equal(t, images[platformString(other)], d)
	})
	t.Run("no match lists the platforms", func(t *testing.T) {
		_, _, err := r.Image(ctx, ref, WithPlatform(v1.Platform{OS: "windows", Architecture: "amd64"}))
		require.ErrorIs(t, err, ErrNoMatchingPlatform)
		assert.Contains(t, err.Error(), platformString(other))
		assert.Contains(t, err.Error(), platformString(HostPlatform()))
		assert.Contains(t, err.Error(), "windows/amd64")
	})
}

func TestImageRefusesSchema1(t *testing.T) {
	ctx := context.Background()
	host := memRegistry(t, nil)
	req, err := http.NewRequest(http.MethodPut, "http://"+host+"/v2/old/image/manifests/latest", strings.NewReader(schema1Manifest))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/vnd.docker.distribution.manifest.v1+prettyjws")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)

	_, _, err = newClient(t).Image(ctx, mustRef(t, host+"/old/image"))
	require.ErrorIs(t, err, ErrUnsupportedManifest)
	assert.Contains(t, err.Error(), "schema 1")
}

func TestTagsCatalogDelete(t *testing.T) {
	ctx := context.Background()
	host := memRegistry(t, nil)
	r := newClient(t)
	img, err := random.Image(256, 1)
	require.NoError(t, err)
	for _, s := range []string{"/a/one:v1", "/a/one:v2", "/b:latest"} {
		require.NoError(t, r.Push(ctx, mustRef(t, host+s), img))
	}
	repo := mustRef(t, host+"/a/one").Context()
	tags, err := r.Tags(ctx, repo)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"v1", "v2"}, tags)

	reg, err := name.NewRegistry(host)
	require.NoError(t, err)
	repos, err := r.Catalog(ctx, reg)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"a/one", "b"}, repos)

	require.NoError(t, r.Delete(ctx, mustRef(t, host+"/a/one:v1")))
	tags, err = r.Tags(ctx, repo)
	require.NoError(t, err)
	assert.Equal(t, []string{"v2"}, tags)
	err = r.Delete(ctx, mustRef(t, host+"/a/one:v1"))
	assert.ErrorIs(t, err, ErrNotFound)
}

// requestLog counts requests by "METHOD path-kind".
type requestLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *requestLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		l.mu.Lock()
		l.calls = append(l.calls, req.Method+" "+req.URL.Path+"?"+req.URL.RawQuery)
		l.mu.Unlock()
		h.ServeHTTP(w, req)
	})
}

func (l *requestLog) count(method, substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, c := range l.calls {
		if strings.HasPrefix(c, method+" ") && strings.Contains(c, substr) {
			n++
		}
	}
	return n
}

type progressLog struct {
	mu      sync.Mutex
	updates []Progress
}

func (p *progressLog) add(u Progress) {
	p.mu.Lock()
	p.updates = append(p.updates, u)
	p.mu.Unlock()
}

func (p *progressLog) byDigest() map[v1.Hash][]Progress {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[v1.Hash][]Progress{}
	for _, u := range p.updates {
		out[u.Digest] = append(out[u.Digest], u)
	}
	return out
}

func TestPushProgressAndSkipsExistingBlobs(t *testing.T) {
	ctx := context.Background()
	var log requestLog
	host := memRegistry(t, log.wrap)
	r := newClient(t)
	img, err := random.Image(64<<10, 3)
	require.NoError(t, err)
	layers, err := img.Layers()
	require.NoError(t, err)

	var first progressLog
	require.NoError(t, r.Push(ctx, mustRef(t, host+"/p:1"), img, WithProgress(first.add)))
	updates := first.byDigest()
	for _, l := range layers {
		d, _ := l.Digest()
		size, _ := l.Size()
		us := updates[d]
		require.NotEmpty(t, us, "no progress for %s", d)
		last := us[len(us)-1]
		assert.True(t, last.Done)
		assert.False(t, last.Skipped)
		assert.Equal(t, size, last.Total)
		assert.Equal(t, last.Total, last.Complete)
		for i := 1; i < len(us); i++ {
			assert.GreaterOrEqual(t, us[i].Complete, us[i-1].Complete, "progress goes forward")
		}
	}
	uploadsBefore := log.count(http.MethodPost, "/blobs/uploads/")

	var second progressLog
	require.NoError(t, r.Push(ctx, mustRef(t, host+"/p:2"), img, WithProgress(second.add)))
	assert.Equal(t, uploadsBefore, log.count(http.MethodPost, "/blobs/uploads/"), "second push uploaded blobs again")
	updates = second.byDigest()
	for _, l := range layers {
		d, _ := l.Digest()
		size, _ := l.Size()
		require.Len(t, updates[d], 1, "layer %s", d)
		assert.Equal(t, Progress{Digest: d, Complete: size, Total: size, Done: true, Skipped: true}, updates[d][0])
	}
}

// blobTamper rewrites GET responses for blobs with fn.
func blobTamper(fn func(w http.ResponseWriter, body []byte)) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if req.Method != http.MethodGet || !strings.Contains(req.URL.Path, "/blobs/sha256:") {
				h.ServeHTTP(w, req)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			body := rec.Body.Bytes()
			if rec.Code != http.StatusOK || !tamperLayers.Load() {
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.Code)
				w.Write(body)
				return
			}
			fn(w, body)
		})
	}
}

// tamperLayers switches tampering on once the image is pushed and its
// manifest and config fetched.
var tamperLayers atomic.Bool

func pushedLayer(t *testing.T, r *Registry, ref name.Reference) v1.Layer {
	t.Helper()
	ctx := context.Background()
	img, err := random.Image(32<<10, 1)
	require.NoError(t, err)
	require.NoError(t, r.Push(ctx, ref, img))
	got, _, err := r.Image(ctx, ref)
	require.NoError(t, err)
	_, err = got.ConfigFile()
	require.NoError(t, err)
	layers, err := got.Layers()
	require.NoError(t, err)
	return layers[0]
}

func TestCorruptBlobIsDigestMismatch(t *testing.T) {
	tamperLayers.Store(false)
	t.Cleanup(func() { tamperLayers.Store(false) })
	host := memRegistry(t, blobTamper(func(w http.ResponseWriter, body []byte) {
		body = bytes.Clone(body)
		body[len(body)/2] ^= 0xff
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	}))
	r := newClient(t)
	layer := pushedLayer(t, r, mustRef(t, host+"/corrupt:latest"))
	tamperLayers.Store(true)

	_, err := readAll(t, layer.Compressed)
	require.ErrorIs(t, err, ErrDigestMismatch)
	var be *BlobError
	require.ErrorAs(t, err, &be)
	want, _ := layer.Digest()
	assert.Equal(t, want, be.Digest)
	assert.NotEqual(t, want, be.Got)
	assert.False(t, be.Truncated())

	_, err = readAll(t, layer.Uncompressed)
	require.ErrorIs(t, err, ErrDigestMismatch)
}

func TestTruncatedBlobFails(t *testing.T) {
	for _, tc := range []struct {
		name  string
		serve func(w http.ResponseWriter, body []byte)
	}{
		{"connection closed early", func(w http.ResponseWriter, body []byte) {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(http.StatusOK)
			w.Write(body[:len(body)/2])
			// returning with fewer bytes than Content-Length makes the
			// server close the connection
		}},
		{"short Content-Length", func(w http.ResponseWriter, body []byte) {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)/2))
			w.Write(body[:len(body)/2])
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tamperLayers.Store(false)
			t.Cleanup(func() { tamperLayers.Store(false) })
			host := memRegistry(t, blobTamper(tc.serve))
			r := newClient(t)
			layer := pushedLayer(t, r, mustRef(t, host+"/short:latest"))
			tamperLayers.Store(true)

			_, err := readAll(t, layer.Compressed)
			require.ErrorIs(t, err, ErrDigestMismatch)
			var be *BlobError
			require.ErrorAs(t, err, &be)
			assert.True(t, be.Truncated(), "%v", err)
			assert.Contains(t, err.Error(), "truncated")

			_, err = readAll(t, layer.Uncompressed)
			require.ErrorIs(t, err, ErrDigestMismatch)
		})
	}
}

func TestImageNotFound(t *testing.T) {
	host := memRegistry(t, nil)
	_, _, err := newClient(t).Image(context.Background(), mustRef(t, host+"/nope:latest"))
	require.ErrorIs(t, err, ErrNotFound)
	var te *transport.Error
	require.ErrorAs(t, err, &te, "the HTTP status stays reachable")
	assert.Equal(t, http.StatusNotFound, te.StatusCode)
	assert.True(t, strings.HasPrefix(err.Error(), "pull "+host+"/nope:latest: not found: "), err.Error())
}

func TestImageUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	host := l.Addr().String()
	require.NoError(t, l.Close())
	_, _, err = newClient(t).Image(context.Background(), mustRef(t, host+"/x:latest"))
	require.ErrorIs(t, err, ErrUnreachable)
	assert.Contains(t, err.Error(), "pull "+host+"/x:latest: registry unreachable")
}

// failFirst answers 503 to the first n requests.
func failFirst(n int64, seen *atomic.Int64) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if seen.Add(1) <= n {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			h.ServeHTTP(w, req)
		})
	}
}

func TestRetries(t *testing.T) {
	ctx := context.Background()
	img, err := random.Image(256, 1)
	require.NoError(t, err)

	t.Run("transient 503s are retried", func(t *testing.T) {
		var seen atomic.Int64
		host := memRegistry(t, failFirst(2, &seen))
		r := newClient(t, WithRetry(3, time.Millisecond))
		require.NoError(t, r.Push(ctx, mustRef(t, host+"/r:1"), img))
		_, _, err := r.Image(ctx, mustRef(t, host+"/r:1"))
		require.NoError(t, err)
		assert.Greater(t, seen.Load(), int64(2))
	})
	t.Run("persistent 503 fails after the attempts", func(t *testing.T) {
		var seen atomic.Int64
		host := memRegistry(t, failFirst(1<<40, &seen))
		r := newClient(t, WithRetry(4, time.Millisecond))
		_, _, err := r.Image(ctx, mustRef(t, host+"/r:1"))
		require.ErrorIs(t, err, ErrUnexpectedResponse)
		var te *transport.Error
		require.ErrorAs(t, err, &te)
		assert.Equal(t, http.StatusServiceUnavailable, te.StatusCode)
		assert.Equal(t, int64(4), seen.Load(), "one request, four attempts")
	})
}

func TestNewValidatesOptions(t *testing.T) {
	for name, opt := range map[string]Option{
		"zero attempts":      WithRetry(0, time.Second),
		"negative backoff":   WithRetry(2, -time.Second),
		"mirror with path":   WithMirrors("docker.io", "https://mirror.example/v2/"),
		"mirror bad scheme":  WithMirrors("docker.io", "ftp://mirror.example"),
		"empty mirror":       WithMirrors("docker.io", ""),
		"empty search":       WithSearchEndpoint(""),
		"relative search":    WithSearchEndpoint("index.docker.io"),
		"empty config dir":   WithDockerConfigDir(""),
		"nil transport":      WithTransport(nil),
		"creds, no registry": WithCredentials("", "u", "p"),
	} {
		_, err := New(opt)
		assert.ErrorIs(t, err, ErrInvalidOption, name)
	}
}

func TestProgressOf(t *testing.T) {
	require.Nil(t, ProgressOf())
	var got []Progress
	fn := ProgressOf(WithPlatform(HostPlatform()), WithProgress(func(p Progress) { got = append(got, p) }))
	require.NotNil(t, fn)
	fn(Progress{Complete: 1, Total: 2})
	require.Equal(t, []Progress{{Complete: 1, Total: 2}}, got)
}
