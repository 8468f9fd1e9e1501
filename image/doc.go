// Package image stores container images on disk: a content-addressed blob
// store plus an index of names, shared safely by goroutines and by
// processes. It is where `berth pull`, `images`, `tag`, `rmi`, `save`,
// `load` and `history` keep and find their images; layers are unpacked
// elsewhere (package layer), and registries are spoken to by package
// registryclient.
//
// # Vocabulary
//
//   - Blob: content named by its sha256 digest — a manifest, a config or a
//     (usually compressed) layer. Blobs are immutable once stored.
//   - Image: one single-platform manifest and its config. The image ID is
//     the config digest, as docker's; ShortID is its first 12 hex digits.
//     IDs are accepted whole, with or without "sha256:", or as any unique
//     hex prefix (ErrAmbiguous when several images match).
//   - Name: a tag ("busybox:latest") or a repo digest ("busybox@sha256:…").
//     Names are normalised as docker does — "busybox" and
//     "docker.io/library/busybox:latest" are one name — and kept in the
//     familiar form docker prints. A tag names at most one image: tagging
//     moves it. A string that parses as a name is looked up as a name
//     before it is tried as an ID prefix, as docker does.
//   - Dangling: an image without tags.
//   - Hold: a container's claim on an image; Remove and Prune refuse held
//     images (ErrInUse) unless forced. Holds are hard links on disk, so they
//     survive restarts, and making one rewrites nothing.
//
// # On disk
//
// Everything lives under <root>/image (other packages share root):
//
//	blobs/sha256/<hex>   verified blobs (OCI image layout style)
//	ingest/<random>      blobs being written; each exclusively flocked by its writer
//	index.json           images by ID: manifest digest, tags, repo digests
//	index.lock           flocked exclusively around every index read-modify-write,
//	                     shared while a hold is made
//	holds/<hex>          an empty file per held image, the anchor
//	holds/<hex>.<holder> a hold: a hard link to the anchor
//	gc.lock              flocked shared by writers, exclusively by blob collection
//
//	mounts/<id hex>      where Mount shows an image's root filesystem
//	mount.lock           flocked exclusively around Mount and Unmount
//
// Unpacked layers live beside it, in package layer's store under
// <root>/layer: a pull tees each layer download into layer.Store.Unpack,
// so the image is ready to run when its last blob is stored; an image
// enters the index only once all its layers are unpacked and verified
// against their diffIDs. Layers are shared by diffID; which ones are still
// needed is derived from the images' configs and collected with the blobs.
// A tar may imply a directory without naming it; its owner and mode then
// come from the layers below (layer.WithParents), which a layer waits for
// at the end of its stream, so layers still download in parallel.
//
// Image metadata (config fields, layers, sizes) is not copied into the
// index: it is read from the manifest and config blobs.
//
// # Locking
//
// flock(2) locks belong to an open file description, and every operation
// opens its own, so they order goroutines of one process exactly as they
// order processes. Index changes (Tag, Untag, Remove, Prune, Hold, the end
// of a pull or load) take index.lock exclusively, re-read index.json —
// another process may have changed it — change it and write it back.
// Readers (Get, List, History, Save, …) take no lock: index.json is only
// ever replaced by rename, so a reader sees a whole old or a whole new
// index. An image can still be removed, and its blobs collected, between
// a reader's reading of the index and of the blobs: Get and List then
// find its index entry changed and read the index again.
//
// Blob collection and writers: a writer (Pull, Load, ImportOCI, Write)
// holds gc.lock shared from before it first looks for a blob until its
// image is in the index. Collection runs under index.lock and needs
// gc.lock exclusively, without waiting: if any writer is at work it is
// skipped and the next Remove or Prune collects. So a blob a writer has
// just stored, or decided to reuse because it was present, cannot be
// deleted before the writer's index entry references it. Lock order is
// always gc.lock before index.lock; the only acquisitions against that
// order do not wait.
//
// # Crash safety
//
// A blob is written to ingest/<random> while hashed, checked against its
// digest and size, fsynced, renamed into blobs/ and the directory fsynced:
// a blob under blobs/ is therefore always complete and verified. A wrong
// digest, a short or long stream deletes the ingest file and wraps
// registryclient.ErrDigestMismatch. The index is written to a temporary
// file, fsynced, renamed over index.json and the directory fsynced. An
// image enters the index only after all its blobs are in blobs/, in one
// index write, so a crash at any instant leaves the old index or the new
// one, never an image with missing blobs. What a crash can leave behind is
// ingest files (Open deletes those whose flock it can take — their writer
// is dead — and leaves the others to their live writers), temporary index
// files (deleted by Open under index.lock) and verified blobs not yet
// referenced: those are kept, so a pull resumed after a crash fetches only
// what it lacks, and are collected by the next Remove or Prune.
//
// A pull or load that fails with an error (bad content, registry error,
// full disk) also deletes the blobs it added, when no other writer is at
// work, so the store is as before; a cancelled one keeps them, like a
// crashed one, for the next attempt.
//
// # What it does not do
//
// It stores single-platform images only: an index is resolved to one
// manifest by Pull (registryclient.WithPlatform) and by Load/ImportOCI
// (this host's platform, else the first). Sizes are unpacked sizes, as
// docker reports them. A layer directory is keyed by diffID alone (not by
// its chain of parents, as containerd's snapshots are): when two images
// share a layer over different parents, directories the layer implies take
// their metadata from the parents of the image that unpacked it first. It
// has no notion of
// intermediate images (ListOptions.All changes nothing) and does not
// build images. It runs on Linux only; on other systems Open returns
// ErrNotSupported.
package image
