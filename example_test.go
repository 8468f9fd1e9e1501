package berth_test

import (
	"context"
	"fmt"
	"log"

	"github.com/berth-dev/berth/image"
)

// Pull an image into a store under a directory of your choosing and list
// what the store holds. This is the example in README.md; it is compiled by
// `go test` but not run, since it needs a registry.
func Example() {
	ctx := context.Background()

	store, err := image.Open(ctx, "/var/lib/myapp")
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	img, err := store.Pull(ctx, "busybox:latest")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("pulled", img.ShortID(), img.RepoDigests)

	images, err := store.List(ctx, image.ListOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for _, img := range images {
		fmt.Println(img.ShortID(), img.RepoTags, img.Size)
	}
}
