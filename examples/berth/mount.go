package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// newImageMountCommand is podman's image mount: it prints the path of a
// read-only union of each image's layers, which stays mounted until
// image unmount.
func newImageMountCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "mount IMAGE [IMAGE...]",
		Short: "Mount an image's root filesystem read-only and print its path",
		Args:  usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			store, err := c.imageStore(ctx)
			if err != nil {
				return err
			}
			var errs []error
			for _, arg := range args {
				path, err := store.Mount(ctx, arg)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintln(cmd.OutOrStdout(), path)
			}
			return errors.Join(errs...)
		},
	}
}

// newImageUnmountCommand releases mounts made by image mount, printing
// each image's ID as podman does.
func newImageUnmountCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:     "unmount IMAGE [IMAGE...]",
		Aliases: []string{"umount"},
		Short:   "Unmount an image's root filesystem",
		Args:    usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			store, err := c.imageStore(ctx)
			if err != nil {
				return err
			}
			var errs []error
			for _, arg := range args {
				img, err := store.Get(ctx, arg)
				if err == nil {
					err = store.Unmount(ctx, arg)
				}
				if err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintln(cmd.OutOrStdout(), img.ID.Hex)
			}
			return errors.Join(errs...)
		},
	}
}
