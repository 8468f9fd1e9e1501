//go:build linux

package main

import (
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/berth-dev/berth/registryclient"
)

// fullName is the fully qualified name docker pull prints last:
// "docker.io/library/busybox:latest".
func fullName(ref name.Reference) string {
	registry := ref.Context().RegistryStr()
	if registry == name.DefaultRegistry {
		registry = dockerHub
	}
	sep := ":"
	if _, ok := ref.(name.Digest); ok {
		sep = "@"
	}
	return registry + "/" + ref.Context().RepositoryStr() + sep + ref.Identifier()
}

// hasTagOrDigest reports whether the name s, as typed, names a tag or digest
// ("busybox:1.36", "busybox@sha256:..."), rather than relying on "latest".
func hasTagOrDigest(s string) bool {
	if strings.Contains(s, "@") {
		return true
	}
	return strings.Contains(s[strings.LastIndex(s, "/")+1:], ":")
}

// repoDigest picks from an image's RepoDigests the digest recorded for
// ref's repository ("sha256:..."); "" when there is none.
func repoDigest(ref name.Reference, repoDigests []string) string {
	for _, rd := range repoDigests {
		parsed, err := registryclient.ParseReference(rd)
		if err != nil {
			continue
		}
		if d, ok := parsed.(name.Digest); ok && parsed.Context().Name() == ref.Context().Name() {
			return d.DigestStr()
		}
	}
	return ""
}
