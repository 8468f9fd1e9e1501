// Package bench measures berth against the tools it replaces. It holds only
// benchmarks, so `go test ./...` runs nothing here; run them with
//
//	go test -run '^$' -bench . -benchtime 3x ./bench/
//
// BenchmarkPull pushes a generated image of 128 MB of incompressible content
// in 4 gzip layers (package bench/internal/bigimage, the same generator as
// the bench/mkimage command that bench/pull.sh uses) to Debian's
// docker-registry on loopback, then times two sub-benchmarks side by side:
//
//   - berth: image.Store.Pull into a fresh, empty store root;
//   - skopeo: `skopeo copy docker://... oci:DIR:latest` into a fresh layout.
//
// Both transfer and verify every blob and write it to disk; neither unpacks
// layers (unpacking is the layer package's job and a later benchmark). MB/s
// counts compressed layer bytes.
package bench
