// Package layer turns image layers into filesystems and filesystems back
// into layers: it unpacks layer tarballs into directories, mounts stacks
// of those directories as root filesystems (snapshots), and writes the
// changes made in a snapshot as a new layer (diff).
//
// # Vocabulary
//
// A layer is a tar stream, usually gzip- or zstd-compressed, of the
// changes one build step made. Its diffID is the digest of the
// uncompressed stream; its digest the digest of the blob as stored in a
// registry. A layer directory is a layer unpacked on its own, in
// overlayfs's form: deletions are whiteouts (0/0 character devices) and
// replaced directories carry the trusted.overlay.opaque="y" xattr, where
// the tar had ".wh.NAME" and ".wh..wh..opq" entries.
//
// A snapshot is a root filesystem made from layer directories (its
// parents, bottom-most first): an active one is writable and records its
// changes apart, a view is read-only. Snapshotters (overlay, or copy where
// overlayfs is unavailable) prepare directories and return mounts as
// values (Mount); Mount.Apply is the one place that calls mount(2).
//
// # Hostile input
//
// A layer from a registry is untrusted. Unpack resolves every path inside
// the layer directory with openat2(RESOLVE_IN_ROOT) — a symlink in the
// layer, however it points, resolves within the directory — and creates
// missing parents through filepath-securejoin's pathrs, which refuses to
// create through a dangling symlink. Entries with absolute names or ".."
// components, hardlinks to directories or to paths that do not exist in
// the layer, and device nodes where the caller forbids them
// (WithoutDevices) are refused with an *EntryError; entry counts and
// content size are bounded (WithLimits). A hostile corpus in the tests
// checks that nothing outside the layer directory is created, changed or
// read, and seeds FuzzUnpack.
//
// # Many layers
//
// overlayfs takes its options in one page, which a few dozen layers with
// long paths overflow. Mount.Apply then uses the new mount API
// (fsopen/fsconfig) and hands overlayfs one lower directory at a time
// ("lowerdir+", Linux 6.8+), so the page limit does not apply.
//
// # What it does not do
//
// It does not fetch or store blobs (package image does), nor decide which
// layer directories are still needed: it is told. Unpack must run as root
// to set owners, devices and trusted.* xattrs; it does not map user IDs.
// The copy snapshotter keeps no record of changes, so committing a
// container needs the overlay snapshotter.
package layer
