package registryclient

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/internal/testimage"
	"github.com/berth-dev/berth/internal/testregistry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDockerRegistryPull(t *testing.T) {
	ctx := context.Background()
	srv := testregistry.Start(t, testregistry.Options{})
	r := newClient(t)
	img := testimage.Busybox(t)
	ref := mustRef(t, srv.Host+"/library/busybox:latest")
	require.NoError(t, r.Push(ctx, ref, img))

	got, desc, err := r.Image(ctx, ref)
	require.NoError(t, err)
	want, _ := img.Digest()
	assert.Equal(t, want, desc.Digest)
	cf, err := got.ConfigFile()
	require.NoError(t, err)
	assert.Equal(t, []string{"sh"}, cf.Config.Cmd)
	layers, err := got.Layers()
	require.NoError(t, err)
	data, err := readAll(t, layers[0].Uncompressed)
	require.NoError(t, err)
	assert.Contains(t, string(data), "bin/busybox")

	_, _, err = r.Image(ctx, mustRef(t, srv.Host+"/nope:latest"))
	require.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, "pull "+srv.Host+"/nope:latest: not found: manifest unknown", err.Error())
}

func TestLoginPushPullLogout(t *testing.T) {
	ctx := context.Background()
	srv := testregistry.Start(t, testregistry.Options{Username: "alice", Password: "s3cret"})
	configDir := t.TempDir()
	configPath := filepath.Join(configDir, "config.json")
	// An existing config whose other keys must survive.
	require.NoError(t, os.WriteFile(configPath, []byte(`{"auths":{"other.example":{"auth":"eDp5"}},"psFormat":"table {{.ID}}","proxies":{"default":{"httpProxy":"http://p:3128"}}}`), 0o600))
	r, err := New(WithDockerConfigDir(configDir))
	require.NoError(t, err)
	img, err := random.Image(1024, 1)
	require.NoError(t, err)
	ref := mustRef(t, srv.Host+"/private/img:1")

	err = r.Push(ctx, ref, img)
	require.ErrorIs(t, err, ErrUnauthorized, "anonymous push")
	_, _, err = r.Image(ctx, ref)
	require.ErrorIs(t, err, ErrUnauthorized, "anonymous pull")

	before, err := os.ReadFile(configPath)
	require.NoError(t, err)
	err = r.Login(ctx, srv.Host, "alice", "wrong")
	require.ErrorIs(t, err, ErrUnauthorized)
	after, err := os.ReadFile(configPath)
	require.NoError(t, err)
	assert.Equal(t, before, after, "a failed login writes nothing")

	require.NoError(t, r.Login(ctx, srv.Host, "alice", "s3cret"))
	info, err := os.Stat(configPath)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	var cfg map[string]any
	data, err := os.ReadFile(configPath)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &cfg))
	auths := cfg["auths"].(map[string]any)
	assert.Equal(t, map[string]any{"auth": base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))}, auths[srv.Host])
	assert.Contains(t, auths, "other.example")
	assert.Equal(t, "table {{.ID}}", cfg["psFormat"])
	assert.Contains(t, cfg, "proxies")

	// A fresh client with only the config dir: credentials come from the file.
	r2, err := New(WithDockerConfigDir(configDir))
	require.NoError(t, err)
	require.NoError(t, r2.Push(ctx, ref, img))
	_, desc, err := r2.Image(ctx, ref)
	require.NoError(t, err)
	want, _ := img.Digest()
	assert.Equal(t, want, desc.Digest)

	require.NoError(t, r2.Logout(ctx, srv.Host))
	data, err = os.ReadFile(configPath)
	require.NoError(t, err)
	cfg = nil
	require.NoError(t, json.Unmarshal(data, &cfg))
	assert.NotContains(t, cfg["auths"], srv.Host)
	assert.Contains(t, cfg["auths"], "other.example")
	require.ErrorIs(t, r2.Logout(ctx, srv.Host), ErrNotFound)
	_, _, err = r2.Image(ctx, ref)
	require.ErrorIs(t, err, ErrUnauthorized, "logged out")

	// Explicit credentials work without any stored login.
	r3, err := New(WithDockerConfigDir(t.TempDir()), WithCredentials(srv.Host, "alice", "s3cret"))
	require.NoError(t, err)
	_, _, err = r3.Image(ctx, ref)
	require.NoError(t, err)
}

func TestLoginUsesCredentialHelper(t *testing.T) {
	ctx := context.Background()
	srv := testregistry.Start(t, testregistry.Options{Username: "bob", Password: "pw"})
	configDir := t.TempDir()
	binDir := t.TempDir()
	stored := filepath.Join(binDir, "stored")
	helper := "#!/bin/sh\ncat > " + stored + ".$1\n"
	require.NoError(t, os.WriteFile(filepath.Join(binDir, "docker-credential-berthtest"), []byte(helper), 0o755))
	t.Setenv("PATH", binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	require.NoError(t, os.WriteFile(filepath.Join(configDir, "config.json"), []byte(`{"credHelpers":{"`+srv.Host+`":"berthtest"}}`), 0o600))

	r, err := New(WithDockerConfigDir(configDir))
	require.NoError(t, err)
	require.NoError(t, r.Login(ctx, srv.Host, "bob", "pw"))
	data, err := os.ReadFile(stored + ".store")
	require.NoError(t, err)
	var payload map[string]string
	require.NoError(t, json.Unmarshal(data, &payload))
	assert.Equal(t, map[string]string{"ServerURL": srv.Host, "Username": "bob", "Secret": "pw"}, payload)
	cfg, err := os.ReadFile(filepath.Join(configDir, "config.json"))
	require.NoError(t, err)
	assert.NotContains(t, string(cfg), base64.StdEncoding.EncodeToString([]byte("bob:pw")), "password kept out of the file")

	require.NoError(t, r.Logout(ctx, srv.Host))
	data, err = os.ReadFile(stored + ".erase")
	require.NoError(t, err)
	assert.Equal(t, srv.Host, string(data))
}

func TestSearchFallsBackToCatalog(t *testing.T) {
	ctx := context.Background()
	srv := testregistry.Start(t, testregistry.Options{})
	r := newClient(t)
	img, err := random.Image(128, 1)
	require.NoError(t, err)
	for _, repo := range []string{"team/redis-cache", "redis", "nginx"} {
		require.NoError(t, r.Push(ctx, mustRef(t, srv.Host+"/"+repo+":1"), img))
	}
	results, err := r.Search(ctx, srv.Host+"/redis", SearchOptions{})
	require.NoError(t, err)
	assert.ElementsMatch(t, []SearchResult{{Name: srv.Host + "/redis"}, {Name: srv.Host + "/team/redis-cache"}}, results)

	results, err = r.Search(ctx, srv.Host+"/redis", SearchOptions{Limit: 1})
	require.NoError(t, err)
	assert.Len(t, results, 1)
}

// countingProxy forwards to target and logs requests.
func countingProxy(t *testing.T, target string, log *requestLog) string {
	u, err := url.Parse(target)
	require.NoError(t, err)
	srv := httptest.NewServer(log.wrap(httputil.NewSingleHostReverseProxy(u)))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

func TestPushMountsFromOtherRepository(t *testing.T) {
	ctx := context.Background()
	srv := testregistry.Start(t, testregistry.Options{})
	var log requestLog
	host := countingProxy(t, srv.URL, &log)
	r := newClient(t)
	img, err := random.Image(4096, 2)
	require.NoError(t, err)
	require.NoError(t, r.Push(ctx, mustRef(t, host+"/source/app:1"), img))
	patches := log.count(http.MethodPatch, "/v2/")
	puts := log.count(http.MethodPut, "/blobs/uploads/")

	var progress progressLog
	source := mustRef(t, host+"/source/app").Context()
	require.NoError(t, r.Push(ctx, mustRef(t, host+"/dest/app:1"), img, WithMountFrom(source), WithProgress(progress.add)))
	assert.Equal(t, 3, log.count(http.MethodPost, "mount="), "one mount per layer and the config")
	assert.Equal(t, patches, log.count(http.MethodPatch, "/v2/"), "no blob uploaded")
	assert.Equal(t, puts, log.count(http.MethodPut, "/blobs/uploads/"), "no blob upload completed")
	layers, _ := img.Layers()
	updates := progress.byDigest()
	for _, l := range layers {
		d, _ := l.Digest()
		require.Len(t, updates[d], 1)
		assert.True(t, updates[d][0].Skipped)
	}
	_, _, err = r.Image(ctx, mustRef(t, host+"/dest/app:1"))
	require.NoError(t, err)
}

func TestMirrors(t *testing.T) {
	ctx := context.Background()
	mirror := testregistry.Start(t, testregistry.Options{})
	seed := newClient(t)
	busybox := testimage.Busybox(t)
	require.NoError(t, seed.Push(ctx, mustRef(t, mirror.Host+"/library/busybox:latest"), busybox))
	want, _ := busybox.Digest()
	dead := deadHost(t)

	t.Run("docker.io through dead then good mirror", func(t *testing.T) {
		r := newClient(t, WithMirrors("docker.io", "http://"+dead, mirror.URL))
		img, desc, err := r.Image(ctx, mustRef(t, "busybox"))
		require.NoError(t, err)
		assert.Equal(t, want, desc.Digest)
		cf, err := img.ConfigFile()
		require.NoError(t, err)
		assert.Equal(t, []string{"sh"}, cf.Config.Cmd)
	})

	t.Run("mirror lacking the image falls back to the origin", func(t *testing.T) {
		origin := testregistry.Start(t, testregistry.Options{})
		only, err := random.Image(256, 1)
		require.NoError(t, err)
		require.NoError(t, seed.Push(ctx, mustRef(t, origin.Host+"/only/origin:1"), only))
		r := newClient(t, WithMirrors(origin.Host, dead, mirror.Host))
		_, desc, err := r.Image(ctx, mustRef(t, origin.Host+"/only/origin:1"))
		require.NoError(t, err)
		d, _ := only.Digest()
		assert.Equal(t, d, desc.Digest)
	})

	t.Run("all fail", func(t *testing.T) {
		origin := deadHost(t)
		r := newClient(t, WithMirrors(origin, "http://"+dead))
		_, _, err := r.Image(ctx, mustRef(t, origin+"/library/busybox:latest"))
		require.ErrorIs(t, err, ErrUnreachable)
		assert.Contains(t, err.Error(), "mirror "+dead)
	})
}

func deadHost(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	host := srv.Listener.Addr().String()
	srv.Close()
	return host
}
