//go:build linux

package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

func newLoadCommand(c *cli) *cobra.Command {
	var input string
	cmd := &cobra.Command{
		Use:   "load [OPTIONS]",
		Short: "Load an image from a tar archive or STDIN",
		Long: `Load images from a docker save tarball or a tar of an OCI image layout, read
from --input or stdin, and print each image's names ("Loaded image: NAME"), or
its ID when it has none ("Loaded image ID: sha256:...").`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			var in io.Reader = c.stdin
			if input != "" {
				f, err := os.Open(input)
				if err != nil {
					return fmt.Errorf("open archive: %w", err)
				}
				defer f.Close()
				in = f
			} else if isTerminal(c.stdin) {
				return errors.New("requested load from stdin, but stdin is empty")
			}
			store, err := c.imageStore(ctx)
			if err != nil {
				return err
			}
			images, err := store.Load(ctx, in)
			if err != nil {
				return err
			}
			for _, img := range images {
				if len(img.RepoTags) == 0 {
					fmt.Fprintf(c.stdout, "Loaded image ID: %s\n", img.ID)
					continue
				}
				for _, tag := range img.RepoTags {
					fmt.Fprintf(c.stdout, "Loaded image: %s\n", tag)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&input, "input", "i", "", "Read from tar archive file, instead of STDIN")
	// --quiet silences progress in docker; load draws none, and the loaded
	// names are printed either way, as docker does.
	cmd.Flags().BoolP("quiet", "q", false, "Suppress the load output")
	return cmd
}
