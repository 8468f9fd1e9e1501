//go:build linux

package main

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/image"
)

const (
	pruneDanglingWarning = "WARNING! This will remove all dangling images."
	pruneAllWarning      = "WARNING! This will remove all images without at least one container associated to them."
)

func newPruneCommand(c *cli) *cobra.Command {
	var (
		all, force bool
		filters    []string
	)
	cmd := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove unused images",
		Long: `Remove dangling images, or with --all every image no container uses.
Asks for confirmation on stdin unless --force. Filter: label=KEY or
label=KEY=VALUE.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			opts := image.PruneOptions{All: all}
			for _, f := range filters {
				key, value, ok := strings.Cut(f, "=")
				if !ok || key != "label" {
					return fmt.Errorf("invalid filter '%s'", f)
				}
				if opts.Labels == nil {
					opts.Labels = map[string]string{}
				}
				k, v, _ := strings.Cut(value, "=")
				opts.Labels[k] = v
			}
			if !force {
				warning := pruneDanglingWarning
				if all {
					warning = pruneAllWarning
				}
				fmt.Fprintf(c.stdout, "%s\nAre you sure you want to continue? [y/N] ", warning)
				answer, _ := bufio.NewReader(c.stdin).ReadString('\n')
				if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
					return nil
				}
			}
			store, err := c.imageStore(ctx)
			if err != nil {
				return err
			}
			report, reclaimed, err := store.Prune(ctx, opts)
			if len(report.Untagged) > 0 || len(report.Deleted) > 0 {
				fmt.Fprintln(c.stdout, "Deleted Images:")
				for _, name := range report.Untagged {
					fmt.Fprintf(c.stdout, "untagged: %s\n", name)
				}
				for _, id := range report.Deleted {
					fmt.Fprintf(c.stdout, "deleted: %s\n", id)
				}
				fmt.Fprintln(c.stdout)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "Total reclaimed space: %s\n", humanSize(reclaimed))
			return nil
		},
	}
	flags := cmd.Flags()
	flags.BoolVarP(&all, "all", "a", false, "Remove all unused images, not just dangling ones")
	flags.BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	stringArrayVar(flags, &filters, "filter", "", "Provide filter values (e.g. \"label=<key>=<value>\")")
	return cmd
}
