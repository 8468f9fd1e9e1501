//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

func newExportCommand(c *cli) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "export [OPTIONS] CONTAINER",
		Short: "Export a container's filesystem as a tar archive",
		Long: `Export a container's root filesystem as a tar archive: the image's files as
the container changed them, without the content of its volumes, bind mounts
and kernel filesystems (/proc, /sys, /dev). Without --output the archive goes
to stdout, which must not be a terminal. With --output the file (mode 0600)
appears complete or not at all.`,
		Args:                  usageArgs(cobra.ExactArgs(1)),
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if output == "" && isTerminal(c.stdout) {
				return errors.New("cowardly refusing to save to a terminal. Use the -o flag or redirect")
			}
			rt, err := c.runtime(ctx)
			if err != nil {
				return err
			}
			ctr, err := containerByRef(ctx, rt, args[0])
			if err != nil {
				return err
			}
			if output == "" {
				return ctr.Export(ctx, c.stdout)
			}
			tmp, err := os.CreateTemp(filepath.Dir(output), "."+filepath.Base(output)+".*")
			if err != nil {
				return fmt.Errorf("failed to export container: %w", err)
			}
			defer os.Remove(tmp.Name()) // fails harmlessly after the rename
			if err := ctr.Export(ctx, tmp); err != nil {
				tmp.Close()
				return err
			}
			if err := tmp.Close(); err != nil {
				return fmt.Errorf("failed to export container: %w", err)
			}
			if err := os.Rename(tmp.Name(), output); err != nil {
				return fmt.Errorf("failed to export container: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "Write to a file, instead of STDOUT")
	return cmd
}
