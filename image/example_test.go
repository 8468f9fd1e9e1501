//go:build linux

package image_test

import (
	"context"
	"fmt"
	"os"

	"github.com/google/go-containerregistry/pkg/v1/empty"

	"github.com/berth-dev/berth/image"
)

func ExampleStore_Tag() {
	ctx := context.Background()
	root, err := os.MkdirTemp("", "berth-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(root)
	s, err := image.Open(ctx, root)
	if err != nil {
		panic(err)
	}
	defer s.Close()

	if _, err := s.Write(ctx, empty.Image, "example"); err != nil {
		panic(err)
	}
	if err := s.Tag(ctx, "example", "localhost:5000/example:v1"); err != nil {
		panic(err)
	}
	img, err := s.Get(ctx, "docker.io/library/example:latest")
	if err != nil {
		panic(err)
	}
	fmt.Println(img.RepoTags)
	// Output: [example:latest localhost:5000/example:v1]
}
