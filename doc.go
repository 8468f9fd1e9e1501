// Package berth embeds containers in Go programs: Docker's engine — images,
// registries, layers, containers — as importable packages, with no daemon
// and no helper binaries. A program that imports berth does
// the work itself, in its own process, and keeps its state in a directory
// it chooses.
//
// This package holds no code; it is the design overview of the module.
//
// # Packages
//
// Each package is one noun:
//
//   - registryclient talks to OCI and Docker registries: it parses and
//     normalises references the way docker does ("redis" is
//     "docker.io/library/redis:latest"), resolves a reference to a manifest
//     for one platform, moves blobs with verification, retries and mirrors,
//     lists tags and catalogs, searches, and logs in and out with docker's
//     own credential files.
//   - image stores images content-addressed under a root directory: pull
//     and push (through registryclient), names (tags and digests), list,
//     remove, history, and docker-compatible save and load. A pull streams
//     each layer into layer's store while it downloads, so a pulled image
//     is ready to run; Mount shows its root filesystem. It hands stored
//     images out as go-containerregistry v1.Image values.
//   - layer turns layers into filesystems and back: it unpacks layer
//     tarballs (untrusted input, contained in their directory) into layer
//     directories, stacks them into snapshots (overlay, or copy where
//     overlayfs is unavailable) returned as mounts to apply, and writes a
//     snapshot's changes as a new layer. It does not fetch or store blobs;
//     image does.
//   - container runs images as containers from the calling program:
//     namespaces, the overlay snapshot, Docker's default mounts, seccomp
//     filter and capabilities, cgroup limits, volumes, json-file logs, TTYs
//     and exec. A thread of the program sets the container up and forks its
//     first process, which execs the command after raw system calls only;
//     detached containers are watched by one monitor process per root, the
//     program's own binary re-executed (sealed), dispatched from the
//     package's init.
//   - examples/berth is a docker-compatible command line built only on the
//     public packages. It is both a usable tool and the reference example of
//     embedding berth.
//
// Planned, in later issues and not yet in the tree: netstack (networks,
// published ports, DNS between containers) and restart (restart policies).
// Dependencies point one way: container uses layer and image, and layer,
// image and registryclient know nothing of what sits above them.
//
// Types at the boundaries are go-containerregistry's (v1.Image, v1.Hash,
// name.Reference) rather than look-alikes, so berth interoperates with the
// tools already built on them.
//
// # Vocabulary
//
//   - reference: the name of an image as a user writes it: a repository
//     ("registry-host[:port]/path") with a tag (":1.0", "latest" when
//     omitted) or a digest ("@sha256:..."). Docker normalises a name without
//     a host to Docker Hub, and a one-component Hub path to "library/".
//   - blob: content in a registry or store, addressed by its digest.
//   - digest: "sha256:<64 hex>", the hash of a blob's exact bytes. Every
//     blob fetched is checked against its digest before it is kept.
//   - manifest: the JSON blob that describes one image for one platform:
//     its config blob and its ordered layer blobs.
//   - index (manifest list): a JSON blob listing manifests, one per
//     platform. Pulling an index resolves it to the host's platform (or the
//     one asked for).
//   - config: the JSON blob holding what an image runs (entrypoint, command,
//     environment...), its history, and the diffIDs of its layers.
//   - layer: a (usually gzip-compressed) tar of filesystem changes; its blob
//     digest is of the compressed bytes.
//   - diffID: the digest of a layer's uncompressed tar, as listed in the
//     config. It names a layer's content whatever its compression.
//   - image ID: the digest of the config blob, shown shortened to 12 hex
//     characters as docker does. Identical content has the same ID whatever
//     it is called.
//   - RepoTag: a name of a stored image in docker's familiar form,
//     "redis:latest" or "host:5000/team/app:1.0". One image has any number.
//   - RepoDigest: "repository@digest" for the manifest (or index) digest
//     that a registry served or accepted for the image, so it can be pulled
//     again by content.
//   - dangling: a stored image with no RepoTag left.
//
// # The root directory
//
// A program gives berth one root directory (the CLI's --root, $BERTH_ROOT,
// default /var/lib/berth). Each package that stores state owns one
// subdirectory named after itself and touches nothing else:
//
//	<root>/image/        image store: blobs/sha256/<hex> (verified content),
//	                     ingest/ (downloads in progress), index.json (names,
//	                     manifests, holds) and lock files
//	<root>/layer/        unpacked layers: sha256/<diffID hex>/diff, one per
//	                     layer shared by every image that has it, and tmp/
//	                     (unpacks in progress)
//	<root>/container/    planned: container state
//
// The layout inside a package's directory is that package's business and is
// described in its own documentation. Several processes may open the same
// root at once; packages coordinate through file locks, not through a
// server.
//
// # No daemon, no helper binaries
//
// Nothing in berth starts or talks to a long-running service, and nothing
// executes another program to do its work (no docker, containerd, runc,
// skopeo, umoci, tar or mount binaries): the Go packages do it. The one
// exception is by the user's choice: when docker's config.json names a
// credential helper (credsStore, credHelpers), registryclient runs that
// docker-credential-* program, since that is docker's credential protocol.
// Tests and the demo use Debian's docker-registry, skopeo and umoci only as
// independent peers to check compatibility against, and the benchmarks use
// skopeo as the yardstick. There is no cgo.
//
// # What berth deliberately does not do
//
// It does not implement a registry server, and it does not reproduce the
// docker Engine API or listen on a socket: the Go API is the interface, and
// the CLI in examples/berth is one example of using it. Building images
// (Dockerfiles) is not part of the plan so far.
package berth
