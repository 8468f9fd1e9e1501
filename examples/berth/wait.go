//go:build linux

package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newWaitCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "wait CONTAINER [CONTAINER...]",
		Short: "Block until one or more containers stop, then print their exit codes",
		Long: `Wait for each container to stop (at once for one that is not running) and
print its exit code, one line per container in the order given.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return eachArg(args, func(arg string) error {
				ctr, err := c.container(ctx, arg)
				if err != nil {
					return err
				}
				status, err := ctr.WaitExit(ctx)
				if err == nil {
					fmt.Fprintln(c.stdout, status.ExitCode)
				}
				return err
			})
		},
	}
}
