//go:build linux

package main

import (
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
			return eachArg(args, func(arg string) error {
				path, err := store.Mount(ctx, arg)
				if err == nil {
					fmt.Fprintln(c.stdout, path)
				}
				return err
			})
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
			return eachArg(args, func(arg string) error {
				img, err := store.Get(ctx, arg)
				if err == nil {
					err = store.Unmount(ctx, arg)
				}
				if err == nil {
					fmt.Fprintln(c.stdout, img.ID.Hex)
				}
				return err
			})
		},
	}
}
