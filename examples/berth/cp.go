//go:build linux

package main

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/container"
	"github.com/berth-dev/berth/layer"
)

// docker cp's errors about a copy's shape, in its words.
var (
	errCpCannotCopyDir = errors.New("cannot copy directory")
	errCpDirNotExists  = errors.New("no such directory")
	errCpNotDirectory  = errors.New("not a directory")
)

// cpMaxSymlinks bounds how many symlinks a local destination may chain
// through, as docker's.
const cpMaxSymlinks = 10

type cpOptions struct {
	followLink bool
	copyOwners bool
	quiet      bool
}

func newCpCommand(c *cli) *cobra.Command {
	var opts cpOptions
	cmd := &cobra.Command{
		Use: `cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-
	berth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH`,
		Short: "Copy files/folders between a container and the local filesystem",
		Long: `Copy files/folders between a container and the local filesystem

Use '-' as the source to read a tar archive from stdin
and extract it to a directory destination in a container.
Use '-' as the destination to stream a tar archive of a
container source to stdout.

Paths in the container are relative to its root. As with docker cp: a
file copied to an existing directory lands in it under its own name, and
to any other path is written there (a path ending in "/" must then be an
existing directory); a directory copied to an existing directory lands in it
under its own name, or only its content does when the source ends in "/.",
and to a new path is created there. A local path containing ':' must start
with "/" or "./". Stopped containers can be copied from and to.`,
		Args:                  usageArgs(cobra.ExactArgs(2)),
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] == "" {
				return errors.New("source can not be empty")
			}
			if args[1] == "" {
				return errors.New("destination can not be empty")
			}
			if !cmd.Flag("quiet").Changed {
				opts.quiet = !isTerminal(c.stdout)
			}
			srcRef, srcPath := splitCpArg(args[0])
			dstRef, dstPath := splitCpArg(args[1])
			switch {
			case srcRef != "" && dstRef != "":
				return errors.New("copying between containers is not supported")
			case srcRef == "" && dstRef == "":
				return errors.New("must specify at least one container source")
			}
			ctx := cmd.Context()
			rt, err := c.runtime(ctx)
			if err != nil {
				return err
			}
			if srcRef != "" {
				ctr, err := containerByRef(ctx, rt, srcRef)
				if err != nil {
					return err
				}
				return copyFromContainer(ctx, c, ctr, srcRef, srcPath, dstPath, opts)
			}
			ctr, err := containerByRef(ctx, rt, dstRef)
			if err != nil {
				return err
			}
			return copyToContainer(ctx, c, ctr, dstRef, srcPath, dstPath, opts)
		},
	}
	flags := cmd.Flags()
	flags.BoolVarP(&opts.followLink, "follow-link", "L", false, "Always follow symlinks in SRC_PATH")
	flags.BoolVarP(&opts.copyOwners, "archive", "a", false, "Archive mode (copy all uid/gid information)")
	flags.BoolVarP(&opts.quiet, "quiet", "q", false, "Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached")
	return cmd
}

// splitCpArg splits CONTAINER:PATH. An absolute path, or a relative one
// starting with ".", is local even with a ':' in it ("./a:b"), as in docker.
func splitCpArg(arg string) (ref, p string) {
	if filepath.IsAbs(arg) {
		return "", arg
	}
	ref, p, ok := strings.Cut(arg, ":")
	if !ok || strings.HasPrefix(ref, ".") {
		return "", arg
	}
	return ref, p
}

// cpInfo describes one end of a copy, as docker's archive.CopyInfo.
type cpInfo struct {
	path   string
	exists bool
	isDir  bool
	// rebaseName is the name the source must have in the archive when it
	// differs from path's base name (a followed symlink keeps its own name).
	rebaseName string
}

// copyFromContainer copies srcPath of the container to the local dstPath,
// or to stdout as a tar stream when dstPath is "-".
func copyFromContainer(ctx context.Context, c *cli, ctr *container.Container, ref, srcPath, dstPath string, opts cpOptions) error {
	if dstPath != "-" {
		abs, err := filepath.Abs(dstPath)
		if err != nil {
			return err
		}
		dstPath = cpPreserveTrailing(abs, dstPath)
		if err := cpValidateOutputPath(dstPath); err != nil {
			return err
		}
	}
	var rebaseName string
	if opts.followLink {
		st, err := ctr.StatPath(ctx, srcPath)
		if err == nil && st.Mode&fs.ModeSymlink != 0 {
			// LinkTarget is already resolved inside the container.
			srcPath, rebaseName = cpRebaseName(srcPath, st.LinkTarget)
		}
	}
	st, err := ctr.StatPath(ctx, srcPath)
	if err != nil {
		return cpContainerError(ref, srcPath, err)
	}
	// The archive's top entry is named after the path's base name ("."
	// for the root); docker's is named "." for a path ending in "/.".
	archiveTop := st.Name
	if archiveTop == "/" {
		archiveTop = "."
	}
	sourceTop := cpSourceTop(srcPath)

	if dstPath == "-" {
		return cpStreamFrom(ctx, ctr, srcPath, archiveTop, sourceTop, c.stdout)
	}
	if rebaseName != "" {
		sourceTop = rebaseName
	}
	dstInfo, err := cpDestInfo(dstPath)
	if err != nil {
		return err
	}
	dstDir, top, err := cpPrepare(cpInfo{path: srcPath, exists: true, isDir: st.Mode.IsDir()}, sourceTop, dstInfo)
	if err != nil {
		return err
	}
	var copied atomic.Int64
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := cpStreamFrom(ctx, ctr, srcPath, archiveTop, top, pw)
		pw.CloseWithError(err)
		done <- err
	}()
	// The archive comes from the container and is not trusted:
	// ExtractArchive keeps it inside dstDir, and leaves the files to
	// whoever runs the copy, as docker cp does.
	err = container.ExtractArchive(ctx, dstDir, &cpCountingReader{r: pr, n: &copied})
	cpFinishPipe(pr, err)
	// The container's side first: when it failed, the extraction only saw
	// the stream break.
	if copyErr := cpCause(nil, <-done); copyErr != nil {
		return cpContainerError(ref, srcPath, copyErr)
	}
	if err != nil {
		return err
	}
	if !opts.quiet {
		size := copied.Load()
		if !st.Mode.IsDir() {
			size = st.Size
		}
		fmt.Fprint(c.stderr, cpSummary(size, copied.Load(), dstPath))
	}
	return nil
}

// cpStreamFrom writes the archive of srcPath to w with its top entry
// renamed from archiveTop to top, as docker cp CONTAINER:PATH - writes it
// and as a local destination gets it.
func cpStreamFrom(ctx context.Context, ctr *container.Container, srcPath, archiveTop, top string, w io.Writer) error {
	if archiveTop == top {
		_, err := ctr.CopyFrom(ctx, srcPath, w)
		return err
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := ctr.CopyFrom(ctx, srcPath, pw)
		pw.CloseWithError(err)
		done <- err
	}()
	err := cpRebaseTar(pr, w, archiveTop, top)
	cpFinishPipe(pr, err)
	return cpCause(err, <-done)
}

// copyToContainer copies the local srcPath (a tar stream on stdin when
// "-") to dstPath in the container.
func copyToContainer(ctx context.Context, c *cli, ctr *container.Container, ref, srcPath, dstPath string, opts cpOptions) error {
	if srcPath != "-" {
		abs, err := filepath.Abs(srcPath)
		if err != nil {
			return err
		}
		srcPath = cpPreserveTrailing(abs, srcPath)
	}
	dstInfo := cpInfo{path: dstPath}
	if st, err := ctr.StatPath(ctx, dstPath); err == nil {
		if st.Mode&fs.ModeSymlink != 0 {
			// LinkTarget is already resolved inside the container.
			dstInfo.path = st.LinkTarget
			st, err = ctr.StatPath(ctx, st.LinkTarget)
		}
		if err == nil {
			if err := cpValidateFileMode(st.Mode); err != nil {
				return fmt.Errorf(`destination "%s:%s" must be a directory or a regular file: %w`, ref, dstPath, err)
			}
			dstInfo.exists, dstInfo.isDir = true, st.Mode.IsDir()
		}
	}
	// Other stat errors are left to the copy: a missing destination is
	// created when its parent exists.

	var copyOpts []container.CopyOption
	if opts.copyOwners {
		copyOpts = append(copyOpts, container.CopyOwnership())
	}
	if srcPath == "-" {
		if !dstInfo.isDir {
			return fmt.Errorf(`destination "%s:%s" must be a directory`, ref, dstPath)
		}
		content, _, err := layer.Decompress(c.stdin)
		if err != nil {
			return fmt.Errorf("read archive from stdin: %w", err)
		}
		defer content.Close()
		var copied atomic.Int64
		if err := ctr.CopyTo(ctx, dstInfo.path, &cpCountingReader{r: content, n: &copied}, copyOpts...); err != nil {
			return cpContainerError(ref, dstInfo.path, err)
		}
		if !opts.quiet {
			fmt.Fprint(c.stderr, cpSummary(copied.Load(), copied.Load(), ref+":"+dstInfo.path))
		}
		return nil
	}

	srcInfo, err := cpSourceInfo(srcPath, opts.followLink)
	if err != nil {
		return err
	}
	sourceTop := cpSourceTop(srcInfo.path)
	if srcInfo.rebaseName != "" {
		sourceTop = srcInfo.rebaseName
	}
	dstDir, top, err := cpPrepare(srcInfo, sourceTop, dstInfo)
	if err != nil {
		return err
	}
	contentSize, sizeErr := cpContentSize(srcInfo.path)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := cpTarLocal(pw, srcInfo.path, top)
		pw.CloseWithError(err)
		done <- err
	}()
	var copied atomic.Int64
	err = ctr.CopyTo(ctx, dstDir, &cpCountingReader{r: pr, n: &copied}, copyOpts...)
	cpFinishPipe(pr, err)
	if err := cpCause(err, <-done); err != nil {
		return cpContainerError(ref, dstDir, err)
	}
	if !opts.quiet {
		size := copied.Load()
		if sizeErr == nil {
			size = contentSize
		}
		fmt.Fprint(c.stderr, cpSummary(size, copied.Load(), ref+":"+dstInfo.path))
	}
	return nil
}

// cpFinishPipe ends the reading side of a pipe fed by an archiver
// goroutine. After a reader that succeeded it drains what the archive
// still holds (a tar reader stops before the archive's final padding) so
// the archiver finishes; after one that failed it closes the pipe, which
// makes the archiver's writes fail and stops it.
func cpFinishPipe(pr *io.PipeReader, readErr error) {
	if readErr == nil {
		_, readErr = io.Copy(io.Discard, pr)
	}
	pr.CloseWithError(errors.Join(readErr, io.ErrClosedPipe))
}

// cpCause picks the error that explains a failed piped copy: the
// writer's, unless it only failed because the reader gave up (then the
// reader's).
func cpCause(readErr, writeErr error) error {
	if writeErr != nil && !errors.Is(writeErr, io.ErrClosedPipe) {
		return writeErr
	}
	return readErr
}

// cpContainerError words a missing path in the container as docker does.
func cpContainerError(ref, p string, err error) error {
	if errors.Is(err, container.ErrNotFound) {
		return reworded{fmt.Sprintf("Could not find the file %s in container %s", p, ref), err}
	}
	return err
}

// cpSummary is docker cp's closing line, shown when stdout is a terminal.
func cpSummary(contentSize, transferred int64, dest string) string {
	size := func(n int64) string { return units.HumanSizeWithPrecision(float64(n), 3) }
	if contentSize != transferred {
		return fmt.Sprintf("Successfully copied %s (transferred %s) to %s\n", size(contentSize), size(transferred), dest)
	}
	return fmt.Sprintf("Successfully copied %s to %s\n", size(contentSize), dest)
}

// cpCountingReader counts the bytes read through it.
type cpCountingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *cpCountingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// cpPrepare applies docker cp's rules to a source and a destination: it
// returns the directory to extract into and the name the source's top
// entry (sourceTop) must have there; "." extracts a directory's content
// into dstDir itself.
func cpPrepare(src cpInfo, sourceTop string, dst cpInfo) (dstDir, top string, err error) {
	dir, base := cpSplitPathDirEntry(dst.path)
	switch {
	case dst.exists && dst.isDir:
		// Into the directory, under the source's own name.
		return dst.path, sourceTop, nil
	case dst.exists && src.isDir:
		return "", "", errCpCannotCopyDir
	case dst.exists, src.isDir:
		// Over the file, or as the new directory: the destination's name.
		return dir, base, nil
	case cpAssertsDirectory(dst.path):
		// A file cannot become the directory "dst/" asks for.
		return "", "", errCpDirNotExists
	default:
		return dir, base, nil
	}
}

// cpSourceTop is the name of a source's top entry: its base name, or "."
// for a path ending in "/." (its content) or for the root.
func cpSourceTop(p string) string {
	_, base := cpSplitPathDirEntry(p)
	if base == string(filepath.Separator) {
		return "."
	}
	return base
}

// cpPreserveTrailing returns cleaned (a path cleaned by package filepath)
// with the trailing "/" or "/." of original, which cleaning dropped.
func cpPreserveTrailing(cleaned, original string) string {
	if !cpSpecifiesCurrentDir(cleaned) && cpSpecifiesCurrentDir(original) {
		if !strings.HasSuffix(cleaned, "/") {
			cleaned += "/"
		}
		cleaned += "."
	}
	if !strings.HasSuffix(cleaned, "/") && strings.HasSuffix(original, "/") {
		cleaned += "/"
	}
	return cleaned
}

// cpAssertsDirectory reports whether p says it is a directory: it ends in
// "/" or "/.".
func cpAssertsDirectory(p string) bool {
	return strings.HasSuffix(p, "/") || cpSpecifiesCurrentDir(p)
}

func cpSpecifiesCurrentDir(p string) bool { return filepath.Base(p) == "." }

// cpSplitPathDirEntry splits a cleaned p into its directory and base name,
// keeping a final "." ("dir/." is "dir" and ".").
func cpSplitPathDirEntry(p string) (dir, base string) {
	cleaned := filepath.Clean(p)
	if cpSpecifiesCurrentDir(p) {
		cleaned += "/."
	}
	return filepath.Dir(cleaned), filepath.Base(cleaned)
}

// cpRebaseName keeps p's trailing "/" or "/." on resolved (p with its
// symlinks followed) and returns, when following changed the base name,
// the name the copy must keep (p's).
func cpRebaseName(p, resolved string) (string, string) {
	if cpSpecifiesCurrentDir(p) && !cpSpecifiesCurrentDir(resolved) {
		resolved += "/."
	}
	if strings.HasSuffix(p, "/") && !strings.HasSuffix(resolved, "/") {
		resolved += "/"
	}
	var rebaseName string
	if filepath.Base(p) != filepath.Base(resolved) {
		rebaseName = filepath.Base(p)
	}
	return resolved, rebaseName
}

// cpSourceInfo describes a local source: with followLink every symlink is
// followed, else only those before the last element (and a final one when
// p ends in "/").
func cpSourceInfo(p string, followLink bool) (cpInfo, error) {
	var resolved, rebaseName string
	if followLink {
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return cpInfo{}, err
		}
		resolved, rebaseName = cpRebaseName(p, real)
	} else {
		dir, base := filepath.Split(p)
		realDir, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return cpInfo{}, err
		}
		resolved = realDir + string(filepath.Separator) + base
		if strings.HasSuffix(p, "/") && filepath.Base(p) != filepath.Base(resolved) {
			rebaseName = filepath.Base(p)
		}
	}
	fi, err := os.Lstat(resolved)
	if err != nil {
		return cpInfo{}, err
	}
	return cpInfo{path: resolved, exists: true, isDir: fi.IsDir(), rebaseName: rebaseName}, nil
}

// cpDestInfo describes a local destination, following symlinks all the
// way (the copy replaces what a link points to, not the link). A missing
// destination is fine when its parent is a directory.
func cpDestInfo(p string) (cpInfo, error) {
	original := p
	fi, err := os.Lstat(p)
	for n := 0; err == nil && fi.Mode()&fs.ModeSymlink != 0; n++ {
		if n >= cpMaxSymlinks {
			return cpInfo{}, errors.New("too many symlinks in " + original)
		}
		target, err := os.Readlink(p)
		if err != nil {
			return cpInfo{}, err
		}
		if !filepath.IsAbs(target) {
			parent, _ := cpSplitPathDirEntry(p)
			target = filepath.Join(parent, target)
		}
		p = target
		fi, err = os.Lstat(p)
	}
	if err == nil {
		return cpInfo{path: p, exists: true, isDir: fi.IsDir()}, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return cpInfo{}, err
	}
	parent, _ := cpSplitPathDirEntry(p)
	pfi, err := os.Stat(parent)
	if err != nil {
		return cpInfo{}, err
	}
	if !pfi.IsDir() {
		return cpInfo{}, errCpNotDirectory
	}
	return cpInfo{path: p}, nil
}

// cpValidateOutputPath checks a local destination as docker does: its
// directory exists, and it is a directory or a regular file if it exists.
func cpValidateOutputPath(p string) error {
	if dir := filepath.Dir(filepath.Clean(p)); dir != "" && dir != "." {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("invalid output path: directory %q does not exist", dir)
		}
	}
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode().IsRegular() {
		return nil
	}
	if err := cpValidateFileMode(fi.Mode()); err != nil {
		return fmt.Errorf("invalid output path: %q must be a directory or a regular file: %w", p, err)
	}
	return nil
}

// cpValidateFileMode refuses devices and irregular files as destinations.
func cpValidateFileMode(mode fs.FileMode) error {
	switch {
	case mode&fs.ModeDevice != 0:
		return errors.New("got a device")
	case mode&fs.ModeIrregular != 0:
		return errors.New("got an irregular file")
	}
	return nil
}

// cpContentSize is the size of the regular files at p, as docker cp
// reports it.
func cpContentSize(p string) (int64, error) {
	fi, err := os.Lstat(p)
	if err != nil {
		return -1, err
	}
	if !fi.IsDir() {
		if fi.Mode().IsRegular() {
			return fi.Size(), nil
		}
		return 0, nil
	}
	var total int64
	err = filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			total += info.Size()
		}
		return nil
	})
	return total, err
}

// cpRenameEntry renames an archive entry whose first element is oldTop to
// start with newTop instead; other names are kept. Either may be ".",
// which stands for no first element.
func cpRenameEntry(name, oldTop, newTop string) string {
	clean := path.Clean(name)
	var rest string
	switch {
	case oldTop == ".":
		rest = clean
	case clean == oldTop:
		rest = "."
	case strings.HasPrefix(clean, oldTop+"/"):
		rest = clean[len(oldTop)+1:]
	default:
		return name
	}
	return path.Join(newTop, rest)
}

// cpRebaseTar copies the tar r to w with its top entry renamed.
func cpRebaseTar(r io.Reader, w io.Writer, oldTop, newTop string) error {
	tr, tw := tar.NewReader(r), tar.NewWriter(w)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return tw.Close()
		}
		if err != nil {
			return err
		}
		// Names may grow beyond what the reader guessed the format to be.
		h.Format = tar.FormatPAX
		dir := h.Typeflag == tar.TypeDir
		h.Name = cpRenameEntry(h.Name, oldTop, newTop)
		if dir && !strings.HasSuffix(h.Name, "/") {
			h.Name += "/"
		}
		if h.Typeflag == tar.TypeLink {
			h.Linkname = cpRenameEntry(h.Linkname, oldTop, newTop)
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
}

// cpTarLocal writes a tar of the local path src to w, its top entry named
// top ("." for a directory's content only) and the rest below it: modes,
// owners, times, symlinks (not followed), hardlinks, devices and file
// capabilities. Sockets are left out, as docker leaves them.
func cpTarLocal(w io.Writer, src, top string) error {
	tw := tar.NewWriter(w)
	type inode struct{ dev, ino uint64 }
	seen := map[inode]string{}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSocket != 0 {
			return nil
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		var link string
		if fi.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		h, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return err
		}
		h.Format = tar.FormatPAX
		h.Name = path.Join(top, filepath.ToSlash(rel))
		if fi.IsDir() {
			h.Name += "/"
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && fi.Mode().IsRegular() && st.Nlink > 1 {
			key := inode{uint64(st.Dev), st.Ino}
			if first, ok := seen[key]; ok {
				h.Typeflag, h.Linkname, h.Size = tar.TypeLink, first, 0
			} else {
				seen[key] = h.Name
			}
		}
		if capability, err := cpGetxattr(p, "security.capability"); err == nil && capability != nil {
			h.PAXRecords = map[string]string{"SCHILY.xattr.security.capability": string(capability)}
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// cpGetxattr reads an extended attribute of p without following a final
// symlink; nil when p has none.
func cpGetxattr(p, attr string) ([]byte, error) {
	buf := make([]byte, 256)
	for {
		n, err := unix.Lgetxattr(p, attr, buf)
		switch {
		case errors.Is(err, unix.ERANGE):
			buf = make([]byte, len(buf)*4)
			continue
		case errors.Is(err, unix.ENODATA), errors.Is(err, unix.ENOTSUP):
			return nil, nil
		case err != nil:
			return nil, err
		}
		return buf[:n], nil
	}
}
