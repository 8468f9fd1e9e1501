package bench

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/bench/internal/bigimage"
	"github.com/berth-dev/berth/image"
	"github.com/berth-dev/berth/internal/testregistry"
)

// pullSpec is the benchmark image: at least 100 MB compressed, several layers.
var pullSpec = bigimage.Spec{Layers: 4, Size: 128 << 20, Seed: 1}

// benchImage is a generated image pushed to a registry on loopback.
type benchImage struct {
	img        v1.Image
	ref        string  // "127.0.0.1:PORT/bench/NAME:latest"
	digest     v1.Hash // manifest digest
	compressed int64   // bytes of layer blobs
}

// pushBenchImage generates spec and pushes it as bench/NAME to a fresh
// docker-registry.
func pushBenchImage(b *testing.B, ctx context.Context, spec bigimage.Spec, repo string) benchImage {
	b.Helper()
	reg := testregistry.Start(b, testregistry.Options{})
	bi := benchImage{ref: reg.Host + "/bench/" + repo + ":latest"}
	ref, err := name.ParseReference(bi.ref)
	if err != nil {
		b.Fatal(err)
	}
	if bi.img, err = bigimage.Generate(spec); err != nil {
		b.Fatal(err)
	}
	if err := remote.Write(ref, bi.img, remote.WithContext(ctx)); err != nil {
		b.Fatalf("push %s: %v", ref, err)
	}
	if bi.digest, err = bi.img.Digest(); err != nil {
		b.Fatal(err)
	}
	if bi.compressed, err = bigimage.CompressedSize(bi.img); err != nil {
		b.Fatal(err)
	}
	return bi
}

// benchBerthPull times cold pulls of bi into a fresh store under work;
// check, outside the timer, looks at what each pull stored.
func benchBerthPull(b *testing.B, ctx context.Context, work string, bi benchImage, check func(*image.Image)) {
	b.SetBytes(bi.compressed)
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
		pulled, err := store.Pull(ctx, bi.ref)
		if err != nil {
			b.Fatal(err)
		}
		if err := store.Close(); err != nil {
			b.Fatal(err)
		}

		b.StopTimer()
		if pulled.ManifestDigest != bi.digest {
			b.Fatalf("pulled manifest %s, pushed %s", pulled.ManifestDigest, bi.digest)
		}
		if check != nil {
			check(pulled)
		}
		b.StartTimer()
	}
	b.StopTimer()
	_ = os.RemoveAll(root)
}

func BenchmarkPull(b *testing.B) {
	ctx := context.Background()
	bi := pushBenchImage(b, ctx, pullSpec, "big")
	work := b.TempDir()

	b.Run("berth", func(b *testing.B) { benchBerthPull(b, ctx, work, bi, nil) })

	b.Run("skopeo", func(b *testing.B) {
		skopeo, err := exec.LookPath("skopeo")
		if err != nil {
			b.Fatalf("skopeo not installed (make deps installs it): %v", err)
		}
		b.SetBytes(bi.compressed)
		layout := filepath.Join(work, "oci")
		for range b.N {
			b.StopTimer()
			if err := os.RemoveAll(layout); err != nil {
				b.Fatal(err)
			}
			cmd := exec.CommandContext(ctx, skopeo, "copy", "-q", "--src-tls-verify=false",
				"docker://"+bi.ref, "oci:"+layout+":latest")
			b.StartTimer()

			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%s: %v\n%s", cmd, err, out)
			}
		}
		b.StopTimer()
		_ = os.RemoveAll(layout)
	})
}
