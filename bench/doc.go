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
// Both transfer and verify every blob and write it to disk; skopeo does not
// unpack layers, while berth's store now unpacks each layer as it
// downloads, so the berth side includes unpacking. MB/s counts compressed
// layer bytes.
//
// BenchmarkPullUnpack (the Go side of bench/unpack.sh) pushes an image of
// 300 MB of content that compresses about 2.5× with gzip, like executables
// (bigimage.Binary), in 2 layers of 1000 files each, about 125 MB
// compressed, and times:
//
//   - berth: image.Store.Pull into a fresh store root, which leaves every
//     layer unpacked;
//   - tar: GNU `tar -xzf` of the same gzip blobs, one process per layer in
//     parallel, the practical floor of unpacking (no transfer, no digest
//     checks).
//
// docker pull, the third peer, is measured only by bench/unpack.sh, which
// starts its own dockerd.
package bench
