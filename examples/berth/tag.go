//go:build linux

package main

import (
	"github.com/spf13/cobra"
)

func newTagCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
		Short: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
		Args:  usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			store, err := c.imageStore(ctx)
			if err != nil {
				return err
			}
			return store.Tag(ctx, args[0], args[1])
		},
	}
}
