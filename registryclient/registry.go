package registryclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// userAgent is sent with every request.
const userAgent = "berth"

// retryStatusCodes are the transient HTTP statuses retried with backoff.
var retryStatusCodes = []int{
	http.StatusRequestTimeout,
	http.StatusTooManyRequests,
	http.StatusInternalServerError,
	http.StatusBadGateway,
	http.StatusServiceUnavailable,
	http.StatusGatewayTimeout,
}

// Registry talks to OCI/Docker registries. It is safe for concurrent use.
type Registry struct {
	settings  *settings
	transport *policyTransport
}

// New returns a Registry. Options are validated in one place; conflicting
// or malformed ones return an error wrapping ErrInvalidOption.
func New(opts ...Option) (*Registry, error) {
	var c config
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, fmt.Errorf("new registry client: %w", err)
		}
	}
	s, err := c.validate()
	if err != nil {
		return nil, fmt.Errorf("new registry client: %w", err)
	}
	base := s.transport
	if base == nil {
		base = remote.DefaultTransport.(*http.Transport).Clone()
	}
	return &Registry{settings: s, transport: newPolicyTransport(base, s.policy)}, nil
}

func (r *Registry) backoff() remote.Backoff {
	return remote.Backoff{Duration: r.settings.retryInitial, Factor: 2, Jitter: 0.1, Steps: r.settings.retryAttempts}
}

// remoteOptions are the go-containerregistry options every call uses.
func (r *Registry) remoteOptions(ctx context.Context, extra ...remote.Option) []remote.Option {
	return append([]remote.Option{
		remote.WithContext(ctx),
		remote.WithTransport(r.transport),
		remote.WithAuthFromKeychain(r.settings.keychain),
		remote.WithRetryBackoff(r.backoff()),
		remote.WithRetryStatusCodes(retryStatusCodes...),
		remote.WithUserAgent(userAgent),
	}, extra...)
}

// retryTransport is the policy transport with retries, for the few
// requests made outside go-containerregistry's remote package.
func (r *Registry) retryTransport() http.RoundTripper {
	return transport.NewUserAgent(transport.NewRetry(r.transport,
		transport.WithRetryBackoff(r.backoff()),
		transport.WithRetryStatusCodes(retryStatusCodes...)), userAgent)
}

// policyRegistry marks reg insecure for go-containerregistry when the
// policy says so, so that its handshake falls back to plain HTTP.
func (r *Registry) policyRegistry(reg name.Registry) name.Registry {
	if !r.transport.isInsecure(context.Background(), reg.RegistryStr()) {
		return reg
	}
	insecure, err := name.NewRegistry(reg.RegistryStr(), name.Insecure)
	if err != nil {
		return reg
	}
	return insecure
}

func (r *Registry) policyRepository(repo name.Repository) name.Repository {
	return r.policyRegistry(repo.Registry).Repo(repo.RepositoryStr())
}

func (r *Registry) policyReference(ref name.Reference) name.Reference {
	repo := r.policyRepository(ref.Context())
	switch ref := ref.(type) {
	case name.Digest:
		return repo.Digest(ref.DigestStr())
	case name.Tag:
		return repo.Tag(ref.TagStr())
	}
	return ref
}

// Image resolves ref (through mirrors, then the origin) to a single-platform
// image. Indexes are resolved with the call's platform. Schema 1 is refused
// with ErrUnsupportedManifest. Layers of the returned image verify their
// digest while read (ErrDigestMismatch, *BlobError). The returned
// Descriptor is the manifest that was resolved first (index or manifest):
// its digest is the RepoDigest.
//
// A mirror is abandoned for the next one (and finally the origin) when it
// cannot be reached, refuses, lacks the manifest or answers with an
// unexpected status; a manifest a mirror did serve but that berth cannot use
// (schema 1, no matching platform, malformed) is final, because a mirror
// serves the origin's content.
func (r *Registry) Image(ctx context.Context, ref name.Reference, opts ...CallOption) (v1.Image, *v1.Descriptor, error) {
	call := newCallConfig(opts)
	var mirrorErrs []error
	for _, m := range r.settings.mirrors[ref.Context().RegistryStr()] {
		mref, err := onMirror(ref, m)
		if err != nil {
			mirrorErrs = append(mirrorErrs, err)
			continue
		}
		img, desc, err := r.resolveImage(ctx, mref, call)
		if err == nil {
			return img, desc, nil
		}
		if !mirrorFallsBack(err) {
			return nil, nil, fmt.Errorf("pull %s from mirror %s: %w", FamiliarName(ref), m.host, err)
		}
		mirrorErrs = append(mirrorErrs, fmt.Errorf("mirror %s: %w", m.host, err))
	}
	img, desc, err := r.resolveImage(ctx, ref, call)
	if err != nil {
		if len(mirrorErrs) > 0 {
			return nil, nil, fmt.Errorf("pull %s: %w (mirrors failed too: %v)", FamiliarName(ref), err, errors.Join(mirrorErrs...))
		}
		return nil, nil, fmt.Errorf("pull %s: %w", FamiliarName(ref), err)
	}
	return img, desc, nil
}

// onMirror rewrites ref's repository onto a mirror host:
// docker.io/library/busybox:latest -> MIRROR/library/busybox:latest.
func onMirror(ref name.Reference, m mirror) (name.Reference, error) {
	var opts []name.Option
	if m.plainHTTP {
		opts = append(opts, name.Insecure)
	}
	reg, err := name.NewRegistry(m.host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mirror %s: %w", m.host, err)
	}
	repo := reg.Repo(ref.Context().RepositoryStr())
	if d, ok := ref.(name.Digest); ok {
		return repo.Digest(d.DigestStr()), nil
	}
	return repo.Tag(ref.Identifier()), nil
}

func mirrorFallsBack(err error) bool {
	for _, s := range []error{ErrUnreachable, ErrNotFound, ErrUnauthorized, ErrUnexpectedResponse} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// resolveImage fetches ref's manifest, decodes it with DecodeManifest and,
// for an index, fetches the child for the call's platform.
func (r *Registry) resolveImage(ctx context.Context, ref name.Reference, call callConfig) (v1.Image, *v1.Descriptor, error) {
	ref = r.policyReference(ref)
	opts := r.remoteOptions(ctx)
	top, err := remote.Get(ref, opts...)
	if err != nil {
		return nil, nil, classify(err)
	}
	first := top.Descriptor
	m, err := DecodeManifest(string(top.MediaType), bytes.NewReader(top.Manifest))
	if err != nil {
		return nil, nil, err
	}
	image := top
	if m.Kind == IndexManifest {
		child, err := m.SelectPlatform(call.platform)
		if err != nil {
			return nil, nil, err
		}
		image, err = remote.Get(ref.Context().Digest(child.Digest.String()), opts...)
		if err != nil {
			return nil, nil, classify(err)
		}
		cm, err := DecodeManifest(string(image.MediaType), bytes.NewReader(image.Manifest))
		if err != nil {
			return nil, nil, fmt.Errorf("manifest %s for %s: %w", child.Digest, platformString(call.platform), err)
		}
		if cm.Kind != ImageManifest {
			return nil, nil, fmt.Errorf("manifest %s for %s: %w: an index inside an index", child.Digest, platformString(call.platform), ErrUnsupportedManifest)
		}
	}
	img, err := image.Image()
	if err != nil {
		return nil, nil, classify(err)
	}
	return &verifiedImage{Image: img}, &first, nil
}

// Push writes img to ref. Blobs the registry has are skipped; blobs that
// exist in another repository of the same registry are cross-mounted when
// the registry supports it (WithMountFrom names the candidates; layers of
// an image pulled from the same registry name their own repository).
// WithProgress gets per-layer byte counts while uploading, and one
// Skipped update for each layer that was not uploaded because the registry
// had it or mounted it.
func (r *Registry) Push(ctx context.Context, ref name.Reference, img v1.Image, opts ...CallOption) error {
	call := newCallConfig(opts)
	dest := r.policyReference(ref)
	pi, err := newPushImage(img, dest, call)
	if err != nil {
		return fmt.Errorf("push %s: %w", FamiliarName(ref), err)
	}
	if err := remote.Write(dest, pi, r.remoteOptions(ctx)...); err != nil {
		return fmt.Errorf("push %s: %w", FamiliarName(ref), classify(err))
	}
	pi.reportSkipped()
	return nil
}

// Tags lists the tags of a repository.
func (r *Registry) Tags(ctx context.Context, repo name.Repository) ([]string, error) {
	tags, err := remote.List(r.policyRepository(repo), r.remoteOptions(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("list tags of %s: %w", FamiliarRepository(repo), classify(err))
	}
	return tags, nil
}

// Catalog lists the repositories of a registry.
func (r *Registry) Catalog(ctx context.Context, reg name.Registry) ([]string, error) {
	repos, err := remote.Catalog(ctx, r.policyRegistry(reg), r.remoteOptions(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("catalog of %s: %w", reg.RegistryStr(), classify(err))
	}
	return repos, nil
}

// Delete deletes a manifest by tag or digest.
func (r *Registry) Delete(ctx context.Context, ref name.Reference) error {
	if err := remote.Delete(r.policyReference(ref), r.remoteOptions(ctx)...); err != nil {
		return fmt.Errorf("delete %s: %w", FamiliarName(ref), classify(err))
	}
	return nil
}
