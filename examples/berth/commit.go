//go:build linux

package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/container"
)

func newCommitCommand(c *cli) *cobra.Command {
	var (
		author, message string
		changes         []string
		pause, noPause  bool
	)
	cmd := &cobra.Command{
		Use:   "commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
		Short: "Create a new image from a container's changes",
		Long: `Create a new image from a container's changes: its image plus one layer
holding what the container changed in its root filesystem (not its volumes
or bind mounts), with the container's command, environment, working
directory, user and labels as the image's config. Prints the new image's ID.

berth cannot pause a container: a running one is committed live, whatever
--pause or --no-pause say. --change (Dockerfile instructions applied to the
config) is not supported yet.`,
		Args:                  usageArgs(cobra.RangeArgs(1, 2)),
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if cmd.Flag("pause").Changed {
				if cmd.Flag("no-pause").Changed {
					return errors.New("conflicting options: --no-pause and --pause cannot be used together")
				}
				// On stderr: cobra's own notice would go to stdout, in
				// the way of the image ID.
				fmt.Fprintln(c.stderr, "Flag --pause has been deprecated, and enabled by default. Use --no-pause to disable pausing during commit.")
				noPause = !pause
			}
			if len(changes) > 0 {
				return fmt.Errorf("--change is not supported: %w", container.ErrNotSupported)
			}
			opts := container.CommitOptions{Author: author, Comment: message, Pause: !noPause}
			if len(args) == 2 {
				opts.Ref = args[1]
			}
			rt, err := c.runtime(ctx)
			if err != nil {
				return err
			}
			ctr, err := containerByRef(ctx, rt, args[0])
			if err != nil {
				return err
			}
			img, err := ctr.Commit(ctx, opts)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.stdout, img.ID.String())
			return nil
		},
	}
	flags := cmd.Flags()
	// As docker: flags end at CONTAINER.
	flags.SetInterspersed(false)
	flags.StringVarP(&author, "author", "a", "", `Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")`)
	flags.StringVarP(&message, "message", "m", "", "Commit message")
	stringArrayVar(flags, &changes, "change", "c", "Apply Dockerfile instruction to the created image (not supported)")
	flags.BoolVarP(&pause, "pause", "p", true, "Pause container during commit (deprecated: use --no-pause instead)")
	_ = flags.MarkHidden("pause")
	flags.BoolVar(&noPause, "no-pause", false, "Disable pausing container during commit")
	return cmd
}
