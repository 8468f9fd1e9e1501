package bench

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/bench/internal/bigimage"
	"github.com/berth-dev/berth/image"
	"github.com/berth-dev/berth/internal/testregistry"
)

// pullSpec is the benchmark image: at least 100 MB compressed, several layers.
var pullSpec = bigimage.Spec{Layers: 4, Size: 128 << 20, Seed: 1}

func BenchmarkPull(b *testing.B) {
	ctx := context.Background()
	reg := testregistry.Start(b, testregistry.Options{})
	refText := reg.Host + "/bench/big:latest"
	ref, err := name.ParseReference(refText)
	if err != nil {
		b.Fatal(err)
	}
	img, err := bigimage.Generate(pullSpec)
	if err != nil {
		b.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithContext(ctx)); err != nil {
		b.Fatalf("push %s: %v", ref, err)
	}
	want, err := img.Digest()
	if err != nil {
		b.Fatal(err)
	}
	compressed, err := bigimage.CompressedSize(img)
	if err != nil {
		b.Fatal(err)
	}
	work := b.TempDir()

	b.Run("berth", func(b *testing.B) {
		b.SetBytes(compressed)
		root := filepath.Join(work, "berth-root")
		for range b.N {
			b.StopTimer()
			if err := os.RemoveAll(root); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()

			store, err := image.Open(ctx, root)
			if err != nil {
				b.Fatal(err)
			}
			pulled, err := store.Pull(ctx, refText)
			if err != nil {
				b.Fatal(err)
			}
			if err := store.Close(); err != nil {
				b.Fatal(err)
			}

			b.StopTimer()
			if pulled.ManifestDigest != want {
				b.Fatalf("pulled manifest %s, pushed %s", pulled.ManifestDigest, want)
			}
			b.StartTimer()
		}
		b.StopTimer()
		_ = os.RemoveAll(root)
	})

	b.Run("skopeo", func(b *testing.B) {
		skopeo, err := exec.LookPath("skopeo")
		if err != nil {
			b.Fatalf("skopeo not installed (make deps installs it): %v", err)
		}
		b.SetBytes(compressed)
		layout := filepath.Join(work, "oci")
		for range b.N {
			b.StopTimer()
			if err := os.RemoveAll(layout); err != nil {
				b.Fatal(err)
			}
			cmd := exec.CommandContext(ctx, skopeo, "copy", "-q", "--src-tls-verify=false",
				"docker://"+refText, "oci:"+layout+":latest")
			b.StartTimer()

			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%s: %v\n%s", cmd, err, out)
			}
		}
		b.StopTimer()
		_ = os.RemoveAll(layout)
	})
}
