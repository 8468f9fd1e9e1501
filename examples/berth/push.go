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

func newPushCommand(c *cli) *cobra.Command {
	var quiet bool
	cmd := &cobra.Command{
		Use:   "push [OPTIONS] NAME[:TAG]",
		Short: "Upload an image to a registry",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			arg := args[0]
			ref, err := registryclient.ParseReference(arg)
			if err != nil {
				return err
			}
			store, err := c.imageStore(ctx)
			if err != nil {
				return err
			}
			img, err := store.Get(ctx, arg)
			if errors.Is(err, image.ErrNotFound) {
				return fmt.Errorf("an image does not exist locally with the tag: %s: %w", registryclient.FamiliarName(ref), err)
			}
			if err != nil {
				return err
			}
			v1img, err := store.V1Image(ctx, img)
			if err != nil {
				return err
			}
			manifest, err := v1img.RawManifest()
			if err != nil {
				return fmt.Errorf("read manifest of %s: %w", registryclient.FamiliarName(ref), err)
			}
			digest, err := v1img.Digest()
			if err != nil {
				return fmt.Errorf("digest manifest of %s: %w", registryclient.FamiliarName(ref), err)
			}
			out := c.stdout
			var opts []registryclient.CallOption
			var progress *transferProgress
			if !quiet {
				repo := fullName(ref)
				repo = repo[:len(repo)-len(ref.Identifier())-1]
				fmt.Fprintf(out, "The push refers to repository [%s]\n", repo)
				progress = newTransferProgress(ctx, out, "Pushed", "Layer already exists")
				progress.ignore = func(blob v1.Hash) bool { return blob == img.ID } // docker shows layers only
				opts = append(opts, registryclient.WithProgress(progress.update))
			}
			err = store.Push(ctx, arg, opts...)
			if progress != nil {
				progress.finish()
			}
			if err != nil {
				return err
			}
			if quiet {
				fmt.Fprintln(out, fullName(ref))
				return nil
			}
			fmt.Fprintf(out, "%s: digest: %s size: %d\n", ref.Identifier(), digest, len(manifest))
			return nil
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Suppress verbose output")
	return cmd
}
