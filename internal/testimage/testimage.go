// Package testimage builds small images in-process for tests: a busybox
// image from Debian's busybox-static, and images from explicit file lists.
// Nothing is pulled from the network.
package testimage

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"runtime"
	"sort"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// BusyboxPath is where Debian's busybox-static installs its binary.
const BusyboxPath = "/bin/busybox"

// Applets linked to busybox in the busybox image's /bin.
var Applets = []string{"sh", "true", "false", "echo", "cat", "ls", "sleep", "env", "id", "ps", "hostname", "mkdir", "rm", "touch", "wc", "grep", "head", "nc", "wget", "top", "kill", "mount", "stat", "readlink", "printf", "test", "uname", "whoami", "seq", "sed", "tr", "chmod", "chown", "cp", "mv", "date"}

// Epoch is the timestamp of every entry and of the config's Created.
var Epoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// File is one entry of a test layer.
type File struct {
	Name     string // path inside the image, without leading "/"
	Body     []byte // regular file content
	Mode     int64  // permission bits; 0 means 0644 (0755 for directories)
	Type     byte   // tar type flag; 0 means regular file
	Linkname string // for symlinks and hardlinks
	Uid, Gid int
}

// Layer builds an uncompressed-tar layer (gzip on the wire) from files,
// written in the order given.
func Layer(t testing.TB, files ...File) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{
			Name:     f.Name,
			Typeflag: f.Type,
			Mode:     f.Mode,
			Linkname: f.Linkname,
			Uid:      f.Uid,
			Gid:      f.Gid,
			ModTime:  Epoch,
			Format:   tar.FormatPAX,
		}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
			if h.Typeflag == tar.TypeDir {
				h.Mode = 0o755
			}
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(f.Body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(f.Body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Image stacks layers on an empty image and applies cfg (Created and
// platform are filled in when zero). History gets one entry per layer.
func Image(t testing.TB, cfg v1.Config, layers ...v1.Layer) v1.Image {
	t.Helper()
	img := empty.Image
	for i, l := range layers {
		var err error
		img, err = mutate.Append(img, mutate.Addendum{
			Layer: l,
			History: v1.History{
				Created:   v1.Time{Time: Epoch},
				CreatedBy: "testimage layer " + string(rune('0'+i%10)),
			},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Config = cfg
	cf.Created = v1.Time{Time: Epoch}
	cf.Architecture = runtime.GOARCH
	cf.OS = "linux"
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// BusyboxLayer is a layer holding bin/busybox and its applet links.
func BusyboxLayer(t testing.TB) v1.Layer {
	t.Helper()
	bb, err := os.ReadFile(BusyboxPath)
	if err != nil {
		t.Fatalf("testimage: read %s (make test installs Debian's busybox-static): %v", BusyboxPath, err)
	}
	files := []File{
		{Name: "bin/", Type: tar.TypeDir},
		{Name: "bin/busybox", Body: bb, Mode: 0o755},
		{Name: "etc/", Type: tar.TypeDir},
		{Name: "etc/passwd", Body: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")},
		{Name: "etc/group", Body: []byte("root:x:0:\nnogroup:x:65534:\n")},
		{Name: "tmp/", Type: tar.TypeDir, Mode: 0o1777},
	}
	applets := append([]string(nil), Applets...)
	sort.Strings(applets)
	for _, a := range applets {
		files = append(files, File{Name: "bin/" + a, Type: tar.TypeSymlink, Linkname: "busybox"})
	}
	return Layer(t, files...)
}

// Busybox is a one-layer image with busybox, Cmd ["sh"] and a PATH.
func Busybox(t testing.TB) v1.Image {
	t.Helper()
	return Image(t, v1.Config{
		Cmd: []string{"sh"},
		Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
	}, BusyboxLayer(t))
}

// ContentSize is the number of bytes of regular-file content in img's
// layers: the unpacked size docker and berth report for an image.
func ContentSize(t testing.TB, img v1.Image) int64 {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.Typeflag == tar.TypeReg {
				total += h.Size
			}
		}
		rc.Close()
	}
	return total
}
