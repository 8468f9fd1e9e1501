//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/container"
)

func newTopCommand(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "top CONTAINER [ps OPTIONS]",
		Short: "Display the running processes of a container",
		Long: `Display the running processes of a container in ps -ef's columns
(UID PID PPID C STIME TTY TIME CMD), with host PIDs.

berth reads /proc itself instead of running ps, so ps options are refused.`,
		Args:                  usageArgs(cobra.MinimumNArgs(1)),
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := c.runtime(ctx)
			if err != nil {
				return err
			}
			ctr, err := containerByRef(ctx, rt, args[0])
			if err != nil {
				return err
			}
			procs, err := ctr.Top(ctx, strings.Join(args[1:], " "))
			if errors.Is(err, container.ErrNotRunning) {
				return reworded{fmt.Sprintf("container %s is not running", ctr.ID()), err}
			}
			if err != nil {
				return err
			}
			// docker top's table: wider minimum cells than --format tables.
			w := tabwriter.NewWriter(c.stdout, 20, 1, 3, ' ', 0)
			fmt.Fprintln(w, strings.Join(procs.Titles, "\t"))
			for _, p := range procs.Processes {
				fmt.Fprintln(w, strings.Join(p, "\t"))
			}
			return w.Flush()
		},
	}
	// Everything after CONTAINER is for ps, even what looks like a flag.
	cmd.Flags().SetInterspersed(false)
	return cmd
}

// reworded is an error shown with docker's words (msg) that still matches
// the library error it stands for with errors.Is and errors.As.
type reworded struct {
	msg string
	err error
}

func (e reworded) Error() string { return e.msg }
func (e reworded) Unwrap() error { return e.err }

// containerByRef finds a container by name, ID or ID prefix, failing as
// docker does: "No such container: REF".
func containerByRef(ctx context.Context, rt *container.Runtime, ref string) (*container.Container, error) {
	ctr, err := rt.Get(ctx, ref)
	if errors.Is(err, container.ErrNotFound) {
		return nil, reworded{"No such container: " + ref, err}
	}
	return ctr, err
}
