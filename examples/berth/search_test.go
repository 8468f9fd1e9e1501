//go:build linux

package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/testimage"
	"github.com/berth-dev/berth/internal/testregistry"
	"github.com/berth-dev/berth/registryclient"
)

const longDescription = "Redis is the world's fastest data platform for caching, vector search, and NoSQL databases."

// fakeIndex answers Docker Hub's /v1/search like index.docker.io does.
func fakeIndex(t *testing.T) *httptest.Server {
	t.Helper()
	results := []registryclient.SearchResult{
		{Name: "redis", Description: longDescription, StarCount: 12000, IsOfficial: true},
		{Name: "bitnami/redis", Description: "Bitnami Redis image", StarCount: 300, IsAutomated: true},
		{Name: "someone/redis-tools", Description: "tools", StarCount: 2},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/search" {
			http.NotFound(w, r)
			return
		}
		var matched []registryclient.SearchResult
		for _, res := range results {
			if strings.Contains(res.Name, r.URL.Query().Get("q")) {
				matched = append(matched, res)
			}
		}
		if n, err := strconv.Atoi(r.URL.Query().Get("n")); err == nil && n > 0 && n < len(matched) {
			matched = matched[:n]
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"num_results": len(matched),
			"query":       r.URL.Query().Get("q"),
			"results":     matched,
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSearchAnIndexShowsDockerColumns(t *testing.T) {
	index := fakeIndex(t)
	term := strings.TrimPrefix(index.URL, "http://") + "/redis"
	b := newBerth(t)

	r := b.ok(t, "search", term)
	lines := r.lines()
	require.Len(t, lines, 4, r.stdout)
	assert.Equal(t, []string{"NAME", "DESCRIPTION", "STARS", "OFFICIAL"}, fields(lines[0]))
	assert.Equal(t, []string{"redis", longDescription[:44] + "…", "12000", "[OK]"}, fields(lines[1]))
	assert.Equal(t, []string{"bitnami/redis", "Bitnami Redis image", "300"}, fields(lines[2]))
	assert.Equal(t, []string{"someone/redis-tools", "tools", "2"}, fields(lines[3]))

	r = b.ok(t, "search", "--no-trunc", term)
	assert.Contains(t, r.stdout, longDescription)

	r = b.ok(t, "search", "--filter", "is-official=true", "--format", "{{.Name}}", term)
	assert.Equal(t, "redis\n", r.stdout)
	r = b.ok(t, "search", "--filter", "stars=100", "--format", "{{.Name}}", term)
	assert.Equal(t, "redis\nbitnami/redis\n", r.stdout)
	r = b.ok(t, "search", "--filter", "is-automated=true", "--format", "{{.Name}} {{.IsAutomated}}", term)
	assert.Equal(t, "bitnami/redis [OK]\n", r.stdout)
	r = b.ok(t, "search", "--limit", "1", "--format", "{{.Name}}: {{.StarCount}}", term)
	assert.Equal(t, "redis: 12000\n", r.stdout)

	b.fails(t, exitError, "invalid filter 'stars=many'", "search", "--filter", "stars=many", term)
}

func TestSearchARegistryWithoutIndexUsesItsCatalog(t *testing.T) {
	reg := testregistry.Start(t, testregistry.Options{})
	img := testimage.Busybox(t)
	publish(t, reg.Host+"/tools/busybox:latest", img)
	publish(t, reg.Host+"/other/thing:latest", img)
	b := newBerth(t)

	r := b.ok(t, "search", "--format", "{{.Name}}", reg.Host+"/busy")
	lines := r.lines()
	require.Len(t, lines, 1, r.stdout)
	assert.Contains(t, lines[0], "tools/busybox")
}
