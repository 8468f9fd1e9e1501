package container_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/berth-dev/berth/container"
)

// Run a command in a container and wait for its exit code. Needs root and
// an image named busybox in the root's store.
func Example() {
	ctx := context.Background()
	rt, err := container.Open(ctx, "/var/lib/myapp")
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close() // stops the containers this program started attached

	c, err := rt.Create(ctx, container.Config{Image: "busybox", Cmd: []string{"echo", "hello"}, AutoRemove: true})
	if err != nil {
		log.Fatal(err)
	}
	exited, errc := c.Wait(ctx, container.WaitNextExit) // before Start
	if err := c.Start(ctx, container.WithStdio(nil, os.Stdout, os.Stderr)); err != nil {
		log.Fatal(err)
	}
	select {
	case s := <-exited:
		fmt.Println("exit code", s.ExitCode)
	case err := <-errc:
		log.Fatal(err)
	}
}
