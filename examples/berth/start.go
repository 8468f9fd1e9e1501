//go:build linux

package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/container"
)

func newStartCommand(c *cli) *cobra.Command {
	var (
		attach, interactive bool
		detachKeys          string
	)
	cmd := &cobra.Command{
		Use:   "start [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Start one or more stopped containers",
		Long: `Start stopped containers. Without -a each is handed to the root's monitor
process, which keeps it running after berth exits, and its name or ID is
printed as given.

With -a (one container only) berth attaches to it as docker run does
without -d: output to stdout and stderr, stdin with -i, signals forwarded
unless it has a TTY, and berth exits with the container's exit code. The
container then lives as long as berth, unless it has a TTY and -i is given:
the monitor starts it then, and the detach keys (Ctrl-P Ctrl-Q unless
--detach-keys) leave it running.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if _, err := container.ParseDetachKeys(detachKeys); err != nil {
				return err
			}
			if !attach && !interactive {
				var failed []string
				for _, arg := range args {
					err := func() error {
						ctr, err := c.container(ctx, arg)
						if err != nil {
							return err
						}
						return ctr.Start(ctx, container.Detach())
					}()
					if err != nil {
						fmt.Fprintf(c.stderr, "Error: %s\n", err)
						failed = append(failed, arg)
						continue
					}
					fmt.Fprintln(c.stdout, arg)
				}
				if len(failed) > 0 {
					return fmt.Errorf("failed to start containers: %s", strings.Join(failed, ", "))
				}
				return nil
			}
			if len(args) > 1 {
				return errors.New("you cannot start and attach multiple containers at once")
			}
			ctr, err := c.container(ctx, args[0])
			if err != nil {
				return err
			}
			info, err := ctr.Inspect(ctx)
			if err != nil {
				return err
			}
			attachStdin := interactive && info.Config.OpenStdin
			if err := c.checkTTY(attachStdin, info.Config.Tty); err != nil {
				return err
			}
			var code int
			switch {
			case info.State.Running:
				// Already running: docker start -a attaches to it.
				code, err = c.attachRunning(ctx, ctr, info, attachStdin, detachKeys, true)
			case attachStdin && info.Config.Tty:
				code, err = c.attachStart(ctx, ctr, detachKeys, info.Config.AutoRemove)
			default:
				code, err = c.startAttached(ctx, ctr, attachedStart{
					stdin:      attachStdin,
					tty:        info.Config.Tty,
					sigProxy:   true,
					autoRemove: info.Config.AutoRemove,
				})
			}
			if errors.Is(err, container.ErrDetached) {
				return nil
			}
			if err != nil {
				return err
			}
			if code != 0 {
				return statusError{code: code}
			}
			return nil
		},
	}
	flags := cmd.Flags()
	flags.BoolVarP(&attach, "attach", "a", false, "Attach STDOUT/STDERR and forward signals")
	flags.BoolVarP(&interactive, "interactive", "i", false, "Attach container's STDIN")
	flags.StringVar(&detachKeys, "detach-keys", "", "Override the key sequence for detaching a container")
	return cmd
}
