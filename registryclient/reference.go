package registryclient

import (
	"regexp"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
)

// Docker's reference grammar (distribution/reference), split into the parts
// a ReferenceError names.
const (
	// DockerHub is the registry a reference without a host names, as docker
	// spells it. go-containerregistry spells it "index.docker.io"
	// (name.DefaultRegistry); both are accepted everywhere.
	DockerHub = "docker.io"

	officialPrefix = "library/"
	maxNameLength  = 255
)

var (
	// Compiled on first use, a few microseconds each. Tags and digests
	// are checked by hand (validTag, validDigest): the tag pattern's
	// bounded repetition compiles to 1700 allocations, 0.1 ms or more.
	domainPattern = lazyRegexp(`^(?:\[[a-fA-F0-9:]+\]|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*)(?::[0-9]+)?$`)
	pathPattern   = lazyRegexp(`^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$`)
)

// validTag reports whether tag matches ^[\w][\w.-]{0,127}$.
func validTag(tag string) bool {
	if len(tag) == 0 || len(tag) > 128 {
		return false
	}
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		word := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
		if !word && (i == 0 || c != '.' && c != '-') {
			return false
		}
	}
	return true
}

// validDigest reports whether digest matches ^sha256:[a-f0-9]{64}$.
func validDigest(digest string) bool {
	hex, ok := strings.CutPrefix(digest, "sha256:")
	if !ok || len(hex) != 64 {
		return false
	}
	for i := 0; i < len(hex); i++ {
		if c := hex[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// ParseReference parses s with Docker's normalisation: "redis" is
// docker.io/library/redis:latest, "user/repo" is docker.io/user/repo:latest,
// "host:5000/repo:tag" keeps its host, and a digest wins over a tag
// ("repo:tag@sha256:…" is repo@sha256:…), as docker pulls it.
//
// The returned reference is go-containerregistry's, so Docker Hub appears
// as "index.docker.io" in ref.Name(); FamiliarName renders it as docker
// prints it. Errors are *ReferenceError wrapping ErrInvalidReference.
func ParseReference(s string) (name.Reference, error) {
	fail := func(part, reason string) (name.Reference, error) {
		return nil, &ReferenceError{Input: s, Part: part, Reason: reason}
	}
	if s == "" {
		return fail("repository", "is empty")
	}
	rest, digest, hasDigest := strings.Cut(s, "@")
	tag, hasTag := "", false
	if i := strings.LastIndexByte(rest, ':'); i > strings.LastIndexByte(rest, '/') {
		rest, tag, hasTag = rest[:i], rest[i+1:], true
	}
	domain, path := splitDomain(rest)
	if domain != DockerHub && !domainPattern().MatchString(domain) {
		return fail("registry", "must be a host name or IP address with an optional port")
	}
	if path == "" {
		return fail("repository", "is empty")
	}
	for _, component := range strings.Split(path, "/") {
		if pathPattern().MatchString(component) {
			continue
		}
		if strings.ToLower(component) != component {
			return fail("repository", "must be lowercase")
		}
		return fail("repository", "must be lowercase letters, digits and separators (. _ __ -) between them")
	}
	full := domain + "/" + path
	if len(full) > maxNameLength {
		return fail("repository", "name is longer than 255 characters")
	}
	if hasTag && !validTag(tag) {
		return fail("tag", "must be 1 to 128 of letters, digits, '_', '.' and '-', not starting with '.' or '-'")
	}
	if hasDigest {
		if !validDigest(digest) {
			return fail("digest", "must be sha256: followed by 64 lowercase hex digits")
		}
		ref, err := name.NewDigest(full + "@" + digest)
		if err != nil {
			return fail("digest", err.Error())
		}
		return ref, nil
	}
	if !hasTag {
		tag = name.DefaultTag
	}
	ref, err := name.NewTag(full + ":" + tag)
	if err != nil {
		return fail("repository", err.Error())
	}
	return ref, nil
}

// splitDomain splits a name into registry host and repository path the way
// docker does: the first component is a host only if it contains "." or
// ":" or is "localhost" (and is not upper-case); otherwise the name is on
// Docker Hub, where single-component names live under "library/".
func splitDomain(s string) (domain, path string) {
	i := strings.IndexByte(s, '/')
	if i == -1 || (!strings.ContainsAny(s[:i], ".:") && s[:i] != "localhost" && strings.ToLower(s[:i]) == s[:i]) {
		domain, path = DockerHub, s
	} else {
		domain, path = s[:i], s[i+1:]
	}
	if domain == name.DefaultRegistry {
		domain = DockerHub
	}
	if domain == DockerHub && !strings.ContainsRune(path, '/') && path != "" {
		path = officialPrefix + path
	}
	return domain, path
}

// FamiliarName renders ref the way docker prints it: "redis:latest",
// "user/repo:tag", "host:5000/repo:tag", "repo@sha256:...".
func FamiliarName(ref name.Reference) string {
	repo := FamiliarRepository(ref.Context())
	switch r := ref.(type) {
	case name.Digest:
		return repo + "@" + r.DigestStr()
	case name.Tag:
		return repo + ":" + r.TagStr()
	}
	return repo + ":" + ref.Identifier()
}

// FamiliarRepository renders a repository as docker prints it: "redis",
// "user/repo", "host:5000/repo".
func FamiliarRepository(repo name.Repository) string {
	path := repo.RepositoryStr()
	if !isDockerHub(repo.RegistryStr()) {
		return repo.RegistryStr() + "/" + path
	}
	if rest, ok := strings.CutPrefix(path, officialPrefix); ok && !strings.Contains(rest, "/") {
		return rest
	}
	return path
}

// CanonicalName renders ref fully qualified with docker's spelling of
// Docker Hub: "docker.io/library/redis:latest".
func CanonicalName(ref name.Reference) string {
	host := ref.Context().RegistryStr()
	if isDockerHub(host) {
		host = DockerHub
	}
	sep := ":"
	if _, ok := ref.(name.Digest); ok {
		sep = "@"
	}
	return host + "/" + ref.Context().RepositoryStr() + sep + ref.Identifier()
}

func isDockerHub(host string) bool { return host == DockerHub || host == name.DefaultRegistry }

// registryHost normalises a registry name as given by a user or option
// ("docker.io", "https://index.docker.io/v1/", "host:5000") to the host
// go-containerregistry uses ("index.docker.io", "host:5000").
func registryHost(s string) string {
	s = strings.TrimSuffix(s, "/")
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	if s == "" || s == DockerHub {
		return name.DefaultRegistry
	}
	return s
}

func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
