package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/bench/internal/bigimage"
	"github.com/berth-dev/berth/image"
)

// unpackSpec is the pull-and-unpack benchmark image, the one bench/unpack.sh
// builds: about 125 MB compressed in 2 layers of 1000 files each, content
// that compresses about 2.5× as executables do.
var unpackSpec = bigimage.Spec{Layers: 2, Size: 300_000_000, Seed: 1, Content: bigimage.Binary, Files: 1000}

// BenchmarkPullUnpack times a cold pull that leaves every layer unpacked,
// against the floor of unpacking the same gzip blobs with GNU tar, one
// process per layer in parallel (no transfer, no digest checks).
func BenchmarkPullUnpack(b *testing.B) {
	ctx := context.Background()
	bi := pushBenchImage(b, ctx, unpackSpec, "unpack")
	work := b.TempDir()

	b.Run("berth", func(b *testing.B) {
		benchBerthPull(b, ctx, work, bi, func(pulled *image.Image) {
			for i, l := range pulled.Layers {
				checkUnpacked(b, filepath.Join(l.Dir, fmt.Sprintf("bench/layer-%03d", i)))
			}
		})
	})

	b.Run("tar", func(b *testing.B) {
		tar, err := exec.LookPath("tar")
		if err != nil {
			b.Fatalf("GNU tar not installed: %v", err)
		}
		layers, err := bi.img.Layers()
		if err != nil {
			b.Fatal(err)
		}
		blobs := make([]string, len(layers))
		for i, l := range layers {
			blobs[i] = filepath.Join(work, fmt.Sprintf("layer-%d.tar.gz", i))
			if err := writeCompressed(l.Compressed, blobs[i]); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(bi.compressed)
		dest := filepath.Join(work, "tar")
		for range b.N {
			b.StopTimer()
			if err := os.RemoveAll(dest); err != nil {
				b.Fatal(err)
			}
			cmds := make([]*exec.Cmd, len(blobs))
			for i, blob := range blobs {
				dir := filepath.Join(dest, fmt.Sprint(i))
				if err := os.MkdirAll(dir, 0o755); err != nil {
					b.Fatal(err)
				}
				cmds[i] = exec.CommandContext(ctx, tar, "-xzf", blob, "-C", dir)
				cmds[i].Stderr = os.Stderr
			}
			b.StartTimer()

			for _, cmd := range cmds {
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
			}
			var failed error
			for _, cmd := range cmds {
				if err := cmd.Wait(); err != nil && failed == nil {
					failed = fmt.Errorf("%s: %w", cmd, err)
				}
			}

			b.StopTimer()
			if failed != nil {
				b.Fatal(failed)
			}
			for i := range blobs {
				checkUnpacked(b, filepath.Join(dest, fmt.Sprint(i), fmt.Sprintf("bench/layer-%03d", i)))
			}
			b.StartTimer()
		}
		b.StopTimer()
		_ = os.RemoveAll(dest)
	})
}

// checkUnpacked fails b unless dir holds unpackSpec.Files files.
func checkUnpacked(b *testing.B, dir string) {
	b.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	if len(entries) != unpackSpec.Files {
		b.Fatalf("%s holds %d files, want %d", dir, len(entries), unpackSpec.Files)
	}
}

// writeCompressed copies a layer's compressed blob to path.
func writeCompressed(open func() (io.ReadCloser, error), path string) error {
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
