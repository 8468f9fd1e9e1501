package registryclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Search limits, as docker's.
const (
	DefaultSearchLimit = 25
	MaxSearchLimit     = 100
)

// SearchResult is one row of docker search.
type SearchResult struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	StarCount   int    `json:"star_count"`
	IsOfficial  bool   `json:"is_official"`
	IsAutomated bool   `json:"is_automated"`
}

// SearchOptions are docker search's limit and filters.
type SearchOptions struct {
	Limit       int   // 0: 25, as docker; 1..100
	MinStars    int   // filter stars=N
	IsOfficial  *bool // filter is-official=true|false
	IsAutomated *bool // filter is-automated=true|false
}

// searchResponse is the body of GET /v1/search.
type searchResponse struct {
	NumResults int            `json:"num_results"`
	Query      string         `json:"query"`
	Results    []SearchResult `json:"results"`
}

// errNoSearchAPI: the registry does not answer /v1/search (404 or not JSON).
var errNoSearchAPI = fmt.Errorf("%w: registry has no search API", ErrNotSupported)

// Search searches term ("redis", or "host:5000/redis" for another registry).
// Docker Hub's /v1/search is used where the registry answers it; otherwise
// the registry's catalog is filtered by substring, giving results with
// just a Name ("host:5000/repo"). Filters and the limit are applied here too;
// results keep the server's order.
func (r *Registry) Search(ctx context.Context, term string, opts SearchOptions) ([]SearchResult, error) {
	limit := opts.Limit
	if limit == 0 {
		limit = DefaultSearchLimit
	}
	if limit < 1 || limit > MaxSearchLimit {
		return nil, fmt.Errorf("search %q: %w: limit %d is outside 1..%d", term, ErrInvalidOption, limit, MaxSearchLimit)
	}
	if opts.MinStars < 0 {
		return nil, fmt.Errorf("search %q: %w: negative stars filter %d", term, ErrInvalidOption, opts.MinStars)
	}
	host, query := splitSearchTerm(term)
	if query == "" {
		return nil, fmt.Errorf("search %q: %w: empty search term", term, ErrInvalidOption)
	}
	var results []SearchResult
	var err error
	if host == name.DefaultRegistry {
		results, err = r.searchV1(ctx, r.settings.searchEndpoint, query, limit)
	} else {
		results, err = r.searchRegistry(ctx, host, query, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", term, err)
	}
	return filterSearch(results, opts, limit), nil
}

// splitSearchTerm splits "host:5000/redis" into its registry and query the
// way docker does; a term without a registry is for Docker Hub.
func splitSearchTerm(term string) (host, query string) {
	if i := strings.IndexByte(term, '/'); i > 0 {
		first := term[:i]
		if strings.ContainsAny(first, ".:") || first == "localhost" {
			return registryHost(first), term[i+1:]
		}
	}
	return name.DefaultRegistry, term
}

func filterSearch(results []SearchResult, opts SearchOptions, limit int) []SearchResult {
	out := make([]SearchResult, 0, min(len(results), limit))
	for _, res := range results {
		if res.StarCount < opts.MinStars {
			continue
		}
		if opts.IsOfficial != nil && res.IsOfficial != *opts.IsOfficial {
			continue
		}
		if opts.IsAutomated != nil && res.IsAutomated != *opts.IsAutomated {
			continue
		}
		out = append(out, res)
		if len(out) == limit {
			break
		}
	}
	return out
}

// searchRegistry asks a registry's own /v1/search and falls back to its
// catalog when it has none.
func (r *Registry) searchRegistry(ctx context.Context, host, query string, limit int) ([]SearchResult, error) {
	endpoints := []string{"https://" + host}
	if r.transport.isInsecure(ctx, host) {
		endpoints = append(endpoints, "http://"+host)
	}
	var err error
	for _, endpoint := range endpoints {
		var results []SearchResult
		results, err = r.searchV1(ctx, endpoint, query, limit)
		if err == nil {
			return results, nil
		}
		if errors.Is(err, errNoSearchAPI) || !errors.Is(err, ErrUnreachable) {
			break
		}
	}
	if err != nil && !errors.Is(err, errNoSearchAPI) && !errors.Is(err, ErrUnauthorized) {
		return nil, err
	}
	reg, perr := name.NewRegistry(host)
	if perr != nil {
		return nil, &ReferenceError{Input: host, Part: "registry", Reason: perr.Error()}
	}
	repos, cerr := r.Catalog(ctx, reg)
	if cerr != nil {
		return nil, cerr
	}
	var results []SearchResult
	for _, repo := range repos {
		if strings.Contains(repo, query) {
			results = append(results, SearchResult{Name: host + "/" + repo})
		}
	}
	return results, nil
}

// searchV1 is GET endpoint/v1/search?q=QUERY&n=LIMIT.
func (r *Registry) searchV1(ctx context.Context, endpoint, query string, limit int) ([]SearchResult, error) {
	u := endpoint + "/v1/search?" + url.Values{"q": {query}, "n": {strconv.Itoa(limit)}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := (&http.Client{Transport: r.retryTransport()}).Do(req)
	if err != nil {
		return nil, classify(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, errNoSearchAPI
	}
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		return nil, classify(err)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "" && mt != "application/json" {
		return nil, errNoSearchAPI
	}
	var body searchResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&body); err != nil {
		return nil, fmt.Errorf("%w: %v", errNoSearchAPI, err)
	}
	return body.Results, nil
}
