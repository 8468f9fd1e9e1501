// Package registryclient talks to OCI and Docker registries: it resolves
// references the way docker does, pulls single-platform images, pushes
// images, lists tags and repositories, deletes manifests, searches, and
// logs in. It is a thin layer over go-containerregistry's remote package —
// the registry protocol, auth handshakes and blob transfer are ggcr's —
// adding Docker's behaviour where ggcr differs: normalisation and familiar
// names, mirrors, insecure-registry policy, docker's config.json for
// logins, and errors that say what happened.
//
// # Vocabulary
//
// A reference names an image: registry host, repository, and a tag or a
// digest. ParseReference applies Docker's normalisation ("redis" is
// docker.io/library/redis:latest; a digest wins over a tag) and returns
// ggcr's name.Reference, in which Docker Hub is spelled "index.docker.io";
// FamiliarName prints it as docker does ("redis:latest") and CanonicalName
// fully qualified ("docker.io/library/redis:latest").
//
// A manifest is either an image manifest (a config and layers) or an index
// (OCI image index, Docker manifest list) of per-platform manifests.
// DecodeManifest classifies one; Manifest.SelectPlatform picks a child.
// Schema 1 manifests are refused (ErrUnsupportedManifest).
//
// The RepoDigest of a pull is the digest of the manifest the reference
// resolved to first — the index when there is one — which Image returns
// as its descriptor.
//
// A mirror serves pulls for another registry: WithMirrors("docker.io",
// m1, m2) rewrites docker.io/library/busybox to m1/library/busybox, then
// m2/..., then asks docker.io itself. A mirror is skipped when it is
// unreachable, refuses, lacks the manifest or answers an unexpected status;
// a manifest it did serve is trusted (schema 1 or a missing platform is
// final). Pushes always go to the origin.
//
// An insecure registry may be spoken to over plain HTTP or TLS without
// certificate verification: hosts and CIDRs given to
// WithInsecureRegistries, plus 127.0.0.0/8 as in dockerd (::1 is not
// included, as in dockerd). For insecure registries HTTPS is tried first,
// then plain HTTP. Every other registry is TLS-verified and plain HTTP to
// it is refused; a failed verification is ErrTLSVerification together with
// ErrUnreachable.
//
// # Errors
//
// Every error wraps one of the sentinels in errors.go and says what was
// being done ("pull 127.0.0.1:5000/nope:latest: not found: manifest
// unknown"). HTTP failures keep go-containerregistry's *transport.Error in
// the chain, so a caller who needs the status code uses errors.As with
// *transport.Error. Typed errors carry fields: *ReferenceError (which part
// of a reference is bad), *ManifestError, *PlatformError (the platforms an
// index offers) and *BlobError (a blob whose content did not match its
// digest, or that ended early — both ErrDigestMismatch).
//
// # Credentials
//
// Pulls and pushes take credentials from WithCredentials, then from the
// keychain: authn.DefaultKeychain, or the config.json in
// WithDockerConfigDir. Login verifies a password against the registry's
// /v2/ endpoint (basic or bearer, as the registry asks) before storing it
// in config.json in docker's format — or in the credential helper the file
// names, as docker does — keeping every other key of the file.
//
// # What it does not do
//
// It keeps no state between calls other than the client's options, and no
// cache: storing pulled images is package image's job. It does not handle
// schema 1, foreign layers' URLs beyond what ggcr does, registry v1, or
// token-authenticated /v1/search. It does not decide which blobs a store
// already has; Push relies on the registry's HEAD answers. Progress for a
// blob the registry already had is reported once, as Skipped, when the
// push finishes. Only the first WithMountFrom candidate on the destination
// registry is offered for each layer.
package registryclient
