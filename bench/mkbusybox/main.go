// Command mkbusybox builds a small busybox image from the host's static
// busybox (Debian's busybox-static) for the container benchmarks, so that
// berth, docker, podman and runc all run the very same image:
//
//	mkbusybox -root DIR -save busybox.tar -tag berth-bench/busybox:latest
//
// It writes the image into berth's store at DIR (image.Store.Write) and,
// with -save, also as a docker save archive (image.Store.Save) that
// `docker load` and `podman load` read. The image is one layer: /bin/busybox
// and links to it for the applets the benchmarks and a shell need,
// /etc/passwd, /etc/group and /tmp; Cmd ["sh"] and a PATH. The same busybox
// binary always gives the same image ID.
//
// It prints the image ID.
package main

import (
	"archive/tar"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/berth-dev/berth/image"
)

// applets are linked to busybox in the image's /bin.
var applets = []string{
	"cat", "echo", "env", "false", "hostname", "id", "kill", "ls", "mkdir",
	"ps", "rm", "sh", "sleep", "test", "top", "touch", "true", "uname",
}

// epoch is every entry's and the config's timestamp, so the image is
// reproducible.
var epoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mkbusybox:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("mkbusybox", flag.ContinueOnError)
	root := fs.String("root", "", "berth root to write the image into (required)")
	tag := fs.String("tag", "berth-bench/busybox:latest", "the image's name")
	save := fs.String("save", "", "also write a docker save archive of the image to this file")
	busybox := fs.String("busybox", "/bin/busybox", "static busybox binary to put in the image")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *root == "" || fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("-root is required and no arguments are taken")
	}
	bin, err := os.ReadFile(*busybox)
	if err != nil {
		return fmt.Errorf("read busybox (Debian's busybox-static installs /bin/busybox): %w", err)
	}
	img, err := busyboxImage(bin)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	store, err := image.Open(ctx, *root)
	if err != nil {
		return err
	}
	defer store.Close()
	stored, err := store.Write(ctx, img, *tag)
	if err != nil {
		return err
	}
	if *save != "" {
		if err := saveArchive(ctx, store, *tag, *save); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, stored.ID)
	return nil
}

// saveArchive writes tag's docker save archive to path.
func saveArchive(ctx context.Context, store *image.Store, tag, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := store.Save(ctx, f, tag); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// busyboxImage is a one-layer image around the busybox binary bin.
func busyboxImage(bin []byte) (v1.Image, error) {
	layerTar, err := busyboxLayer(bin)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	})
	if err != nil {
		return nil, err
	}
	img, err := mutate.Append(empty.Image, mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: v1.Time{Time: epoch}, CreatedBy: "mkbusybox"},
	})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Created = v1.Time{Time: epoch}
	cf.OS = "linux"
	cf.Architecture = runtime.GOARCH
	cf.Config = v1.Config{
		Cmd: []string{"sh"},
		Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
	}
	return mutate.ConfigFile(img, cf)
}

// busyboxLayer is the uncompressed tar of the image's one layer.
func busyboxLayer(bin []byte) ([]byte, error) {
	type entry struct {
		name     string
		typeflag byte
		mode     int64
		body     []byte
		linkname string
	}
	entries := []entry{
		{name: "bin/", typeflag: tar.TypeDir, mode: 0o755},
		{name: "bin/busybox", typeflag: tar.TypeReg, mode: 0o755, body: bin},
	}
	for _, a := range applets {
		entries = append(entries, entry{name: "bin/" + a, typeflag: tar.TypeSymlink, mode: 0o777, linkname: "busybox"})
	}
	entries = append(entries,
		entry{name: "etc/", typeflag: tar.TypeDir, mode: 0o755},
		entry{name: "etc/passwd", typeflag: tar.TypeReg, mode: 0o644,
			body: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")},
		entry{name: "etc/group", typeflag: tar.TypeReg, mode: 0o644, body: []byte("root:x:0:\nnogroup:x:65534:\n")},
		entry{name: "tmp/", typeflag: tar.TypeDir, mode: 0o1777},
	)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{
			Name: e.name, Typeflag: e.typeflag, Mode: e.mode, Linkname: e.linkname,
			Size: int64(len(e.body)), ModTime: epoch, Format: tar.FormatPAX,
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
