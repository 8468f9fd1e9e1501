//go:build linux

package main

import (
	"github.com/spf13/cobra"
)

const containerPruneWarning = "WARNING! This will remove all stopped containers."

func newContainerPruneCommand(c *cli) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove all stopped containers",
		Long: `Remove every container that is not running and print their IDs. Asks for
confirmation on stdin unless --force; any answer but "y" cancels, with exit
status 1, as docker does. The reclaimed space is what the containers'
writable layers held.`,
		Args:                  usageArgs(cobra.NoArgs),
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if !force && !confirmPrune(c.stdin, c.stdout, containerPruneWarning) {
				return statusError{code: exitError}
			}
			rt, err := c.runtime(ctx)
			if err != nil {
				return err
			}
			removed, reclaimed, err := rt.Prune(ctx)
			printPruneReport(c.stdout, "Deleted Containers:", removed, reclaimed)
			return err
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	return cmd
}
