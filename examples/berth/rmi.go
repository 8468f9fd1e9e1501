//go:build linux

package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newRmiCommand(c *cli) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "rmi [OPTIONS] IMAGE [IMAGE...]",
		Short: "Remove one or more images",
		Long: `Remove one or more images.

By name, the name is removed and the image is deleted when it has no name
left. By ID, an image with several names is refused unless --force. Every
image is attempted; the errors are reported together.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			store, err := c.imageStore(ctx)
			if err != nil {
				return err
			}
			return eachArg(args, func(arg string) error {
				report, err := store.Remove(ctx, arg, force)
				for _, name := range report.Untagged {
					fmt.Fprintf(c.stdout, "Untagged: %s\n", name)
				}
				for _, id := range report.Deleted {
					fmt.Fprintf(c.stdout, "Deleted: %s\n", id)
				}
				return err
			})
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Force removal of the image")
	return cmd
}
