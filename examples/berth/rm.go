//go:build linux

package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/container"
)

func newRmCommand(c *cli) *cobra.Command {
	var opts container.RemoveOptions
	cmd := &cobra.Command{
		Use:   "rm [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Remove one or more containers",
		Long: `Remove containers: their root filesystem, logs and state, and with -v
their anonymous volumes. A running container is refused unless -f, which
kills it first; with -f a container that does not exist is not an error.
Each container removed is printed as given.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return eachArg(args, func(arg string) error {
				name := strings.Trim(arg, "/")
				if name == "" {
					return errors.New("container name cannot be empty")
				}
				ctr, err := c.container(ctx, name)
				if err == nil {
					err = ctr.Remove(ctx, opts)
				}
				if opts.Force && errors.Is(err, container.ErrNotFound) {
					return nil
				}
				if err == nil {
					fmt.Fprintln(c.stdout, arg)
				}
				return err
			})
		},
	}
	flags := cmd.Flags()
	flags.BoolVarP(&opts.Force, "force", "f", false, "Force the removal of a running container (uses SIGKILL)")
	flags.BoolVarP(&opts.Volumes, "volumes", "v", false, "Remove anonymous volumes associated with the container")
	return cmd
}
