package registryclient

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var hubResults = []SearchResult{
	{Name: "redis", Description: "Redis is a key-value store", StarCount: 12000, IsOfficial: true},
	{Name: "bitnami/redis", Description: "Bitnami Redis", StarCount: 300, IsAutomated: true},
	{Name: "someone/redis-tiny", Description: "tiny", StarCount: 2},
	{Name: "other/redis", Description: "other", StarCount: 40, IsAutomated: true},
}

// fakeHub answers /v1/search like index.docker.io and records the queries.
type fakeHub struct {
	mu      sync.Mutex
	queries []string
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != "/v1/search" {
		http.NotFound(w, req)
		return
	}
	h.mu.Lock()
	h.queries = append(h.queries, req.URL.RawQuery)
	h.mu.Unlock()
	q := req.URL.Query().Get("q")
	var out []SearchResult
	for _, r := range hubResults {
		if strings.Contains(r.Name, q) {
			out = append(out, r)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(searchResponse{NumResults: len(out), Query: q, Results: out})
}

func TestSearchHub(t *testing.T) {
	ctx := context.Background()
	hub := &fakeHub{}
	srv := httptest.NewServer(hub)
	t.Cleanup(srv.Close)
	r := newClient(t, WithSearchEndpoint(srv.URL))
	yes, no := true, false

	tests := []struct {
		name string
		opts SearchOptions
		want []string
	}{
		{"all in server order", SearchOptions{}, []string{"redis", "bitnami/redis", "someone/redis-tiny", "other/redis"}},
		{"limit", SearchOptions{Limit: 2}, []string{"redis", "bitnami/redis"}},
		{"stars", SearchOptions{MinStars: 40}, []string{"redis", "bitnami/redis", "other/redis"}},
		{"official", SearchOptions{IsOfficial: &yes}, []string{"redis"}},
		{"not official", SearchOptions{IsOfficial: &no}, []string{"bitnami/redis", "someone/redis-tiny", "other/redis"}},
		{"automated with stars", SearchOptions{IsAutomated: &yes, MinStars: 100}, []string{"bitnami/redis"}},
		{"filters before limit", SearchOptions{IsAutomated: &yes, Limit: 1}, []string{"bitnami/redis"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			results, err := r.Search(ctx, "redis", tt.opts)
			require.NoError(t, err)
			var names []string
			for _, res := range results {
				names = append(names, res.Name)
			}
			assert.Equal(t, tt.want, names)
		})
	}
	results, err := r.Search(ctx, "redis", SearchOptions{Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, hubResults[0], results[0], "all fields decoded")
	hub.mu.Lock()
	assert.Contains(t, hub.queries, "n=25&q=redis")
	assert.Contains(t, hub.queries, "n=2&q=redis")
	hub.mu.Unlock()

	for _, limit := range []int{-1, 101} {
		_, err := r.Search(ctx, "redis", SearchOptions{Limit: limit})
		assert.ErrorIs(t, err, ErrInvalidOption, "limit %d", limit)
	}
}

func TestSearchRegistryPrefixedTerm(t *testing.T) {
	ctx := context.Background()
	hub := &fakeHub{}
	srv := httptest.NewServer(hub)
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	// The search endpoint points elsewhere: the prefixed term must go to host.
	r := newClient(t, WithSearchEndpoint("http://"+deadHost(t)))
	results, err := r.Search(ctx, host+"/tiny", SearchOptions{})
	require.NoError(t, err)
	require.Len(t, results, 1)
	assert.Equal(t, "someone/redis-tiny", results[0].Name)
	hub.mu.Lock()
	assert.Equal(t, []string{"n=25&q=tiny"}, hub.queries)
	hub.mu.Unlock()
}

func TestSplitSearchTerm(t *testing.T) {
	for term, want := range map[string][2]string{
		"redis":                 {"index.docker.io", "redis"},
		"user/redis":            {"index.docker.io", "user/redis"},
		"docker.io/redis":       {"index.docker.io", "redis"},
		"127.0.0.1:5000/redis":  {"127.0.0.1:5000", "redis"},
		"localhost/a/b":         {"localhost", "a/b"},
		"registry.example/team": {"registry.example", "team"},
	} {
		host, query := splitSearchTerm(term)
		assert.Equal(t, want, [2]string{host, query}, term)
	}
}
