package registryclient

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Defaults.
const (
	// DefaultSearchEndpoint answers /v1/search for Docker Hub terms.
	DefaultSearchEndpoint = "https://index.docker.io"
	// DefaultRetryAttempts and DefaultRetryBackoff apply without WithRetry.
	DefaultRetryAttempts = 3
	DefaultRetryBackoff  = 200 * time.Millisecond
)

// Option configures a Registry (New).
type Option func(*config) error

// config holds options as given; New validates them all in validate.
type config struct {
	mirrors        map[string][]string // registry as given -> mirrors as given
	insecure       []string
	keychain       authn.Keychain
	credentials    map[string]authn.AuthConfig // registry as given
	configDir      string
	transport      http.RoundTripper
	retrySet       bool
	retryAttempts  int
	retryInitial   time.Duration
	searchSet      bool
	searchEndpoint string
}

// mirror is one validated mirror: its host and whether its URL said http.
type mirror struct {
	host      string
	plainHTTP bool
}

// settings are the validated options a Registry runs with.
type settings struct {
	mirrors        map[string][]mirror // ggcr registry host -> mirrors
	policy         insecurePolicy
	keychain       authn.Keychain
	configDir      string
	transport      http.RoundTripper
	retryAttempts  int
	retryInitial   time.Duration
	searchEndpoint string
}

func (c *config) validate() (*settings, error) {
	s := &settings{
		mirrors:        map[string][]mirror{},
		policy:         insecurePolicy{hosts: map[string]bool{}},
		retryAttempts:  DefaultRetryAttempts,
		retryInitial:   DefaultRetryBackoff,
		searchEndpoint: DefaultSearchEndpoint,
		transport:      c.transport,
	}
	_, loopback, _ := net.ParseCIDR(defaultInsecureCIDR)
	s.policy.cidrs = append(s.policy.cidrs, loopback)
	for _, entry := range c.insecure {
		entry = strings.ToLower(strings.TrimSpace(entry))
		if entry == "" {
			return nil, fmt.Errorf("insecure registry: %w: empty entry", ErrInvalidOption)
		}
		if strings.Contains(entry, "/") {
			_, n, err := net.ParseCIDR(entry)
			if err != nil {
				return nil, fmt.Errorf("insecure registry %q: %w: not a CIDR: %v", entry, ErrInvalidOption, err)
			}
			s.policy.cidrs = append(s.policy.cidrs, n)
			continue
		}
		if strings.Contains(entry, "://") {
			return nil, fmt.Errorf("insecure registry %q: %w: give a host, host:port or CIDR, not a URL", entry, ErrInvalidOption)
		}
		s.policy.hosts[entry] = true
	}
	for reg, list := range c.mirrors {
		if strings.TrimSpace(reg) == "" {
			return nil, fmt.Errorf("mirrors: %w: empty registry", ErrInvalidOption)
		}
		host := registryHost(reg)
		for _, m := range list {
			parsed, err := parseMirror(m)
			if err != nil {
				return nil, fmt.Errorf("mirror %q for %s: %w: %v", m, reg, ErrInvalidOption, err)
			}
			if parsed.plainHTTP {
				s.policy.hosts[strings.ToLower(parsed.host)] = true
			}
			s.mirrors[host] = append(s.mirrors[host], parsed)
		}
	}
	if c.retrySet {
		if c.retryAttempts < 1 {
			return nil, fmt.Errorf("retry: %w: attempts %d, want at least 1", ErrInvalidOption, c.retryAttempts)
		}
		if c.retryInitial < 0 {
			return nil, fmt.Errorf("retry: %w: negative backoff %s", ErrInvalidOption, c.retryInitial)
		}
		s.retryAttempts, s.retryInitial = c.retryAttempts, c.retryInitial
	}
	if c.searchSet {
		u, err := url.Parse(c.searchEndpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("search endpoint %q: %w: want an http(s) URL", c.searchEndpoint, ErrInvalidOption)
		}
		s.searchEndpoint = strings.TrimSuffix(c.searchEndpoint, "/")
	}
	s.configDir = c.configDir
	if s.configDir == "" {
		s.configDir = defaultConfigDir()
	}
	base := c.keychain
	if base == nil {
		if c.configDir != "" {
			base = &configKeychain{dir: c.configDir}
		} else {
			base = authn.DefaultKeychain
		}
	}
	if len(c.credentials) > 0 {
		explicit := staticKeychain{}
		for reg, cred := range c.credentials {
			if strings.TrimSpace(reg) == "" {
				return nil, fmt.Errorf("credentials: %w: empty registry", ErrInvalidOption)
			}
			explicit[registryHost(reg)] = cred
		}
		base = authn.NewMultiKeychain(explicit, base)
	}
	s.keychain = base
	return s, nil
}

func parseMirror(s string) (mirror, error) {
	if s == "" {
		return mirror{}, errors.New("empty")
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return mirror{}, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return mirror{}, fmt.Errorf("scheme %q, want http or https", u.Scheme)
	}
	if u.Host == "" || strings.Trim(u.Path, "/") != "" {
		return mirror{}, errors.New("want a host or a URL without a path")
	}
	if _, err := name.NewRegistry(u.Host); err != nil {
		return mirror{}, err
	}
	return mirror{host: u.Host, plainHTTP: u.Scheme == "http"}, nil
}

// defaultConfigDir is docker's: $DOCKER_CONFIG, else ~/.docker.
func defaultConfigDir() string {
	if d := os.Getenv("DOCKER_CONFIG"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ".docker"
	}
	return filepath.Join(home, ".docker")
}

// WithMirrors sets the ordered mirror list for registry host (e.g.
// "docker.io"); mirrors are URLs or hosts ("http://127.0.0.1:5001",
// "mirror.example:5000"). Each is tried before the origin, for pulls only.
// An http:// mirror is treated as an insecure registry.
func WithMirrors(registry string, mirrors ...string) Option {
	return func(c *config) error {
		if c.mirrors == nil {
			c.mirrors = map[string][]string{}
		}
		c.mirrors[registry] = append(c.mirrors[registry], mirrors...)
		return nil
	}
}

// WithInsecureRegistries marks hosts ("host:port", "host") or CIDRs
// ("10.0.0.0/8") as insecure: plain HTTP and unverified TLS are allowed.
// 127.0.0.0/8 is always insecure, as in dockerd. A host without a port
// matches every port of that host.
func WithInsecureRegistries(hostsOrCIDRs ...string) Option {
	return func(c *config) error {
		c.insecure = append(c.insecure, hostsOrCIDRs...)
		return nil
	}
}

// WithKeychain sets where credentials come from. Default:
// authn.DefaultKeychain (~/.docker/config.json, $DOCKER_CONFIG, helpers),
// or the config.json of WithDockerConfigDir when that is set.
func WithKeychain(k authn.Keychain) Option {
	return func(c *config) error {
		if k == nil {
			return fmt.Errorf("keychain: %w: nil", ErrInvalidOption)
		}
		c.keychain = k
		return nil
	}
}

// WithCredentials uses an explicit username and password for one registry
// host ("docker.io", "host:5000"). They take precedence over the keychain.
func WithCredentials(registry, username, password string) Option {
	return func(c *config) error {
		if c.credentials == nil {
			c.credentials = map[string]authn.AuthConfig{}
		}
		c.credentials[registry] = authn.AuthConfig{Username: username, Password: password}
		return nil
	}
}

// WithDockerConfigDir sets the directory of config.json that Login writes and
// Logout edits (default $DOCKER_CONFIG or ~/.docker). The default keychain
// reads from the same place.
func WithDockerConfigDir(dir string) Option {
	return func(c *config) error {
		if dir == "" {
			return fmt.Errorf("docker config dir: %w: empty", ErrInvalidOption)
		}
		c.configDir = dir
		return nil
	}
}

// WithTransport sets the base HTTP transport (tests, proxies). If it is an
// *http.Transport, a clone with InsecureSkipVerify serves insecure
// registries; any other RoundTripper is used as is for every registry.
func WithTransport(t http.RoundTripper) Option {
	return func(c *config) error {
		if t == nil {
			return fmt.Errorf("transport: %w: nil", ErrInvalidOption)
		}
		c.transport = t
		return nil
	}
}

// WithRetry sets how many attempts a request gets when it fails
// transiently (network errors, 408, 429, 5xx) and the first backoff, which
// doubles after each failure. Default: 3 attempts, 200ms.
func WithRetry(attempts int, initial time.Duration) Option {
	return func(c *config) error {
		c.retrySet, c.retryAttempts, c.retryInitial = true, attempts, initial
		return nil
	}
}

// WithSearchEndpoint sets the base URL of the index that answers /v1/search
// for docker.io (default "https://index.docker.io").
func WithSearchEndpoint(url string) Option {
	return func(c *config) error {
		c.searchSet, c.searchEndpoint = true, url
		return nil
	}
}

// CallOption configures a single call (platform, progress, mount sources).
type CallOption func(*callConfig)

type callConfig struct {
	platform  v1.Platform
	progress  func(Progress)
	mountFrom []name.Repository
}

func newCallConfig(opts []CallOption) callConfig {
	c := callConfig{platform: HostPlatform()}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithPlatform selects a manifest from an index. Default: HostPlatform().
func WithPlatform(p v1.Platform) CallOption {
	return func(c *callConfig) { c.platform = p }
}

// WithProgress receives progress updates; called from several goroutines.
func WithProgress(fn func(Progress)) CallOption {
	return func(c *callConfig) { c.progress = fn }
}

// WithMountFrom names repositories of the same registry that may hold the
// blobs already, for cross-repository mounts when pushing. The first
// candidate on the destination registry is offered to the registry for
// each layer; a registry that cannot mount it gets the blob uploaded.
func WithMountFrom(repos ...name.Repository) CallOption {
	return func(c *callConfig) { c.mountFrom = append(c.mountFrom, repos...) }
}

// ProgressOf returns the WithProgress callback among opts, or nil. A
// caller that moves blobs itself with options meant for this package —
// package image streams pulled layers into its store — reports through it.
func ProgressOf(opts ...CallOption) func(Progress) {
	return newCallConfig(opts).progress
}
