//go:build linux

package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/container"
)

func newKillCommand(c *cli) *cobra.Command {
	var signal string
	cmd := &cobra.Command{
		Use:   "kill [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Kill one or more running containers",
		Long: `Send a signal (SIGKILL unless --signal) to the first process of running
containers. Signals are named as docker names them: "SIGHUP", "HUP", "hup"
or "1". Each container signalled is printed as given.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			sig, err := container.ParseSignal(signal)
			if err != nil {
				return err
			}
			return eachArg(args, func(arg string) error {
				ctr, err := c.container(ctx, arg)
				if err == nil {
					err = ctr.Kill(ctx, sig)
				}
				if err == nil {
					fmt.Fprintln(c.stdout, arg)
				}
				return err
			})
		},
	}
	cmd.Flags().StringVarP(&signal, "signal", "s", "KILL", "Signal to send to the container")
	return cmd
}
