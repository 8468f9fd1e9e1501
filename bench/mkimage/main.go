// Command mkimage generates a large image and pushes it to a registry, for
// the benchmarks. By default its content is random (incompressible), one file
// a layer, as the pull benchmark wants:
//
//	mkimage -layers 4 -size 128MB -seed 1 -ref 127.0.0.1:5000/bench/big:latest
//
// -content binary compresses about 2.5× with gzip, like executables, and
// -files N spreads each layer over N files, as the unpack benchmark wants:
//
//	mkimage -layers 2 -size 300MB -content binary -files 1000 -ref ...
//
// The same flags always push the same image digest. Loopback registries are
// spoken to over plain HTTP (as go-containerregistry does for 127.0.0.1 and
// localhost); -insecure allows plain HTTP for any other host.
//
// It prints the image digest and the compressed size, the bytes a pull moves.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/bench/internal/bigimage"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("mkimage", flag.ContinueOnError)
	layers := fs.Int("layers", 4, "number of layers")
	sizeText := fs.String("size", "128MB", "random bytes in all layers (e.g. 128MB, 1GiB)")
	seed := fs.Uint64("seed", 1, "seed of the content; the same seed gives the same image")
	contentText := fs.String("content", "random", "kind of content: random (incompressible) or binary (compresses about 2.5x, like executables)")
	files := fs.Int("files", 1, "files per layer")
	refText := fs.String("ref", "", "where to push, e.g. 127.0.0.1:5000/bench/big:latest (required)")
	insecure := fs.Bool("insecure", false, "allow plain HTTP to a non-loopback registry")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *refText == "" || fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("-ref is required and no arguments are taken")
	}
	size, err := parseSize(*sizeText)
	if err != nil {
		return err
	}
	content, err := bigimage.ParseContent(*contentText)
	if err != nil {
		return err
	}
	var nameOpts []name.Option
	if *insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	ref, err := name.ParseReference(*refText, nameOpts...)
	if err != nil {
		return fmt.Errorf("parse -ref: %w", err)
	}

	img, err := bigimage.Generate(bigimage.Spec{Layers: *layers, Size: size, Seed: *seed, Content: content, Files: *files})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := remote.Write(ref, img, remote.WithContext(ctx)); err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	compressed, err := bigimage.CompressedSize(img)
	if err != nil {
		return err
	}
	fmt.Printf("pushed %s@%s: %d layers, %d bytes compressed (%.1f MB)\n",
		ref, digest, *layers, compressed, float64(compressed)/1e6)
	return nil
}
