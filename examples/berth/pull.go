//go:build linux

package main

import (
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/image"
	"github.com/berth-dev/berth/registryclient"
)

func newPullCommand(c *cli) *cobra.Command {
	var quiet bool
	var platform string
	cmd := &cobra.Command{
		Use:   "pull [OPTIONS] NAME[:TAG|@DIGEST]",
		Short: "Download an image from a registry",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			arg := args[0]
			ref, err := registryclient.ParseReference(arg)
			if err != nil {
				return err
			}
			var opts []registryclient.CallOption
			if platform != "" {
				p, err := v1.ParsePlatform(platform)
				if err != nil {
					return fmt.Errorf("invalid platform %q: %w", platform, err)
				}
				opts = append(opts, registryclient.WithPlatform(*p))
			}
			store, err := c.imageStore(ctx)
			if err != nil {
				return err
			}
			previous, err := store.Get(ctx, arg)
			if err != nil && !errors.Is(err, image.ErrNotFound) {
				return err
			}

			out := c.stdout
			var progress *transferProgress
			if !quiet {
				if !hasTagOrDigest(arg) {
					fmt.Fprintf(out, "Using default tag: %s\n", ref.Identifier())
				}
				fmt.Fprintf(out, "%s: Pulling from %s\n", ref.Identifier(), ref.Context().RepositoryStr())
				progress = newTransferProgress(ctx, out, "Pull complete", "Already exists")
				opts = append(opts, registryclient.WithProgress(progress.update))
			}
			img, err := store.Pull(ctx, arg, opts...)
			if progress != nil {
				progress.finish()
			}
			if err != nil {
				return err
			}
			if !quiet {
				if d := repoDigest(ref, img.RepoDigests); d != "" {
					fmt.Fprintf(out, "Digest: %s\n", d)
				}
				if previous != nil && previous.ID == img.ID {
					fmt.Fprintf(out, "Status: Image is up to date for %s\n", registryclient.FamiliarName(ref))
				} else {
					fmt.Fprintf(out, "Status: Downloaded newer image for %s\n", registryclient.FamiliarName(ref))
				}
			}
			fmt.Fprintln(out, fullName(ref))
			return nil
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Suppress verbose output")
	cmd.Flags().StringVar(&platform, "platform", "", "Set platform if server is multi-platform capable (os/arch[/variant])")
	return cmd
}
