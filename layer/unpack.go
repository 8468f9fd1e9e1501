package layer

import (
	"archive/tar"
	"path"
	"strings"
)

// Whiteout names, as in the OCI image spec: a file ".wh.NAME" deletes NAME
// from the layers below; ".wh..wh..opq" in a directory hides everything
// below it (an opaque directory).
const (
	WhiteoutPrefix = ".wh."
	WhiteoutOpaque = ".wh..wh..opq"
)

// Limits bound what one layer may create, against hostile or broken input.
// Zero fields take the defaults.
type Limits struct {
	MaxEntries int   // tar entries (default 4 Mi)
	MaxBytes   int64 // bytes of regular-file content (default 256 GiB)
}

// DefaultLimits are generous for any real image and stop absurd ones.
var DefaultLimits = Limits{MaxEntries: 4 << 20, MaxBytes: 256 << 30}

// UnpackOption is a knob of Unpack.
type UnpackOption func(*unpackConfig)

type unpackConfig struct {
	limits       Limits
	allowDevices bool
	parents      func() ([]string, error)
}

// WithLimits sets the entry and byte limits (zero fields keep defaults).
func WithLimits(l Limits) UnpackOption {
	return func(c *unpackConfig) {
		if l.MaxEntries > 0 {
			c.limits.MaxEntries = l.MaxEntries
		}
		if l.MaxBytes > 0 {
			c.limits.MaxBytes = l.MaxBytes
		}
	}
}

// WithoutDevices refuses character and block device entries (other than
// overlay whiteouts made from .wh. files) with an *EntryError.
func WithoutDevices() UnpackOption {
	return func(c *unpackConfig) { c.allowDevices = false }
}

// WithParents gives Unpack the directories of the layers below this one,
// top-most first, for the directories the layer implies without naming
// them: a tar may hold "a/b/c" without an entry for "a/b" when a/b did not
// change, and overlayfs takes a directory's owner, mode and xattrs from
// the top-most layer that has it. Unpack copies them from the top-most
// parent that has the directory, as containerd does. parents is called
// once, at the end of the stream, and may wait: a pull unpacks layers in
// parallel and a parent may still be arriving.
func WithParents(parents func() ([]string, error)) UnpackOption {
	return func(c *unpackConfig) { c.parents = parents }
}

func newUnpackConfig(opts []UnpackOption) unpackConfig {
	c := unpackConfig{limits: DefaultLimits, allowDevices: true}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Stats tell what Unpack wrote.
type Stats struct {
	Entries int   // tar entries processed
	Bytes   int64 // regular-file content written
}

// entryPath turns a tar entry name into a clean path relative to the layer
// root ("." for the root itself). Absolute names and names with ".."
// components are refused: no real image has them, and rejecting them is
// clearer than silently rewriting them.
func entryPath(name string) (string, error) {
	if name == "" {
		return "", &EntryError{Name: name, Reason: "empty name", Err: ErrUnsafeEntry}
	}
	if strings.HasPrefix(name, "/") {
		return "", &EntryError{Name: name, Reason: "absolute path", Err: ErrUnsafeEntry}
	}
	if strings.ContainsRune(name, 0) {
		return "", &EntryError{Name: name, Reason: "NUL in name", Err: ErrUnsafeEntry}
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", &EntryError{Name: name, Reason: `".." component`, Err: ErrUnsafeEntry}
		}
	}
	return path.Clean(name), nil
}

// whiteout tells whether rel is a whiteout entry and what it hides: for
// ".wh..wh..opq" the directory made opaque, for ".wh.NAME" the path NAME.
func whiteout(rel string) (target string, opaque, ok bool) {
	dir, base := path.Split(rel)
	if !strings.HasPrefix(base, WhiteoutPrefix) {
		return "", false, false
	}
	if base == WhiteoutOpaque {
		return path.Clean(dir), true, true
	}
	return path.Join(dir, strings.TrimPrefix(base, WhiteoutPrefix)), false, true
}

// xattrs returns the extended attributes a PAX header carries.
func xattrs(h *tar.Header) map[string]string {
	var out map[string]string
	for k, v := range h.PAXRecords {
		if name, ok := strings.CutPrefix(k, "SCHILY.xattr."); ok {
			if out == nil {
				out = map[string]string{}
			}
			out[name] = v
		}
	}
	return out
}
