//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/container"
	"github.com/berth-dev/berth/image"
)

func newCreateCommand(c *cli) *cobra.Command {
	var opts *containerOptions
	cmd := &cobra.Command{
		Use:   "create [OPTIONS] IMAGE [COMMAND] [ARG...]",
		Short: "Create a new container",
		Long: `Create a container from an image without starting it, and print its ID.
The image is pulled first when it is not in the store.

Only the network "none" (a network namespace with loopback) exists so far.
Every failure exits with status 125, as docker create does.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctr, err := c.createContainer(cmd.Context(), opts, args[0], args[1:])
			if err != nil {
				return runFailure(err)
			}
			fmt.Fprintln(c.stdout, ctr.ID())
			return nil
		},
	}
	opts = addContainerFlags(cmd.Flags())
	return cmd
}

// createContainer is the part docker run shares with docker create: the
// config from the flags, the image pulled if missing, the container made.
// newConfig is opts' config; a TTY takes the size of this program's
// terminal, as docker run and create give it.
func (c *cli) newConfig(opts *containerOptions, imageRef string, args []string) (container.Config, error) {
	cfg, err := opts.newConfig(imageRef, args, c.lookupEnv)
	if err != nil {
		return cfg, err
	}
	if size, ok := c.terminalSize(); ok && cfg.Tty {
		cfg.ConsoleSize = size
	}
	return cfg, nil
}

func (c *cli) createContainer(ctx context.Context, opts *containerOptions, imageRef string, args []string) (*container.Container, error) {
	cfg, err := c.newConfig(opts, imageRef, args)
	if err != nil {
		return nil, err
	}
	rt, err := c.runtime(ctx)
	if err != nil {
		return nil, err
	}
	// The image is looked up once, by Create; only a missing one is
	// pulled (ensureImage), and Create is tried again.
	ctr, err := rt.Create(ctx, cfg)
	if !errors.Is(err, image.ErrNotFound) {
		return ctr, err
	}
	if err := c.ensureImage(ctx, imageRef); err != nil {
		return nil, err
	}
	return rt.Create(ctx, cfg)
}
