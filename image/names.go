package image

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/berth-dev/berth/registryclient"
)

// parseReference parses a user-given name with docker's normalisation
// ("busybox" is docker.io/library/busybox:latest). Errors wrap both
// ErrInvalid and registryclient.ErrInvalidReference.
func parseReference(s string) (name.Reference, error) {
	ref, err := registryclient.ParseReference(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", err, ErrInvalid)
	}
	return ref, nil
}

// familiarName renders ref as docker prints it ("busybox:latest"); it is
// the form names are stored in, so equal names compare equal as strings.
func familiarName(ref name.Reference) string { return registryclient.FamiliarName(ref) }

// familiarRepository is the repository part of a familiar name: "busybox"
// for "busybox:latest" and "busybox@sha256:...".
func familiarRepository(familiar string) string {
	if i := strings.Index(familiar, "@"); i >= 0 {
		return familiar[:i]
	}
	if i := strings.LastIndex(familiar, ":"); i > strings.LastIndex(familiar, "/") {
		return familiar[:i]
	}
	return familiar
}

// fullName renders a familiar name fully qualified, as containerd's
// io.containerd.image.name annotation holds it:
// "docker.io/library/busybox:latest".
func fullName(familiar string) (string, error) {
	ref, err := parseReference(familiar)
	if err != nil {
		return "", err
	}
	reg := ref.Context().RegistryStr()
	if reg == name.DefaultRegistry {
		reg = "docker.io"
	}
	s := reg + "/" + ref.Context().RepositoryStr()
	switch r := ref.(type) {
	case name.Digest:
		return s + "@" + r.DigestStr(), nil
	case name.Tag:
		return s + ":" + r.TagStr(), nil
	}
	return s, nil
}

// tagOf is the tag part of a familiar tag name.
func tagOf(familiar string) string {
	ref, err := parseReference(familiar)
	if err != nil {
		return ""
	}
	if t, ok := ref.(name.Tag); ok {
		return t.TagStr()
	}
	return ""
}

// resolution is what a user's nameOrID designates.
type resolution struct {
	id     string // image ID, "sha256:<hex>"
	byName string // the familiar name matched; "" when matched by ID
}

// resolve finds the image nameOrID designates in idx. A string that parses
// as a reference is looked up as a name first (as docker does), then as a
// full ID or a unique prefix of the ID's hex, with or without "sha256:".
func resolve(idx *index, nameOrID string) (resolution, error) {
	if ref, err := parseReference(nameOrID); err == nil {
		fam := familiarName(ref)
		for id, e := range idx.Images {
			names := e.RepoTags
			if _, isDigest := ref.(name.Digest); isDigest {
				names = e.RepoDigests
			}
			for _, n := range names {
				if n == fam {
					return resolution{id: id, byName: fam}, nil
				}
			}
		}
	}
	hexPart := strings.TrimPrefix(nameOrID, "sha256:")
	if hexPart == "" || len(hexPart) > 64 || strings.Trim(hexPart, "0123456789abcdef") != "" {
		return resolution{}, fmt.Errorf("find image %q: %w", nameOrID, ErrNotFound)
	}
	var found []string
	for id := range idx.Images {
		if strings.HasPrefix(strings.TrimPrefix(id, "sha256:"), hexPart) {
			found = append(found, id)
		}
	}
	switch len(found) {
	case 0:
		return resolution{}, fmt.Errorf("find image %q: %w", nameOrID, ErrNotFound)
	case 1:
		return resolution{id: found[0]}, nil
	}
	return resolution{}, fmt.Errorf("find image %q: %d images match: %w", nameOrID, len(found), ErrAmbiguous)
}

// normalizeTag parses a name to be given to an image and returns its
// familiar form; digest references are refused.
func normalizeTag(s string) (string, error) {
	ref, err := parseReference(s)
	if err != nil {
		return "", err
	}
	if _, ok := ref.(name.Tag); !ok {
		return "", fmt.Errorf("tag %q: a tag cannot be a digest: %w", s, ErrInvalid)
	}
	return familiarName(ref), nil
}
