//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/container"
)

func newRunCommand(c *cli) *cobra.Command {
	var (
		opts       *containerOptions
		detach     bool
		sigProxy   bool
		detachKeys string
	)
	cmd := &cobra.Command{
		Use:   "run [OPTIONS] IMAGE [COMMAND] [ARG...]",
		Short: "Create and run a new container from an image",
		Long: `Create a container from an image and run it; the image is pulled first
when it is not in the store.

Without -d the container is attached: its output goes to stdout and stderr,
stdin is copied to it with -i, -t gives it a pseudo-terminal of the
terminal's size (stdin in raw mode when it is a terminal), signals are
forwarded to it unless --sig-proxy=false or -t (SIGINT and SIGTERM from the
start, every other signal once the container has run 20 ms), and berth
exits with the container's exit code.

With -i and -t, as with docker, the detach keys (Ctrl-P Ctrl-Q unless
--detach-keys) leave the container running and berth exits with 0: such a
container is started by the root's monitor process and outlives berth.
Any other attached container lives as long as berth itself and is stopped
if berth is killed.

With -d the container is handed to the root's monitor process, which keeps
it running after berth exits; berth prints its ID.

A container that cannot run its command exits with 126 (not executable) or
127 (not found); every other failure before the command runs exits with
125, as docker run does. Only the network "none" exists so far.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if _, err := container.ParseDetachKeys(detachKeys); err != nil {
				return runFailure(err)
			}
			if !detach {
				if err := c.checkTTY(opts.interactive, opts.tty); err != nil {
					return err
				}
			}
			var signals *signalProxy
			if !detach && sigProxy && !opts.tty {
				signals = listenSignals()
				defer signals.stop()
			}
			removeOnFailure := func(ctr *container.Container) {
				if opts.autoRemove && ctr != nil {
					_ = ctr.Remove(context.WithoutCancel(ctx), container.RemoveOptions{Force: true, Volumes: true})
				}
			}
			if detach {
				ctr, err := c.createContainer(ctx, opts, args[0], args[1:])
				if err != nil {
					return runFailure(err)
				}
				if err := ctr.Start(ctx, container.Detach()); err != nil {
					removeOnFailure(ctr)
					return runFailure(err)
				}
				fmt.Fprintln(c.stdout, ctr.ID())
				return nil
			}
			if opts.interactive && opts.tty {
				// Started by the monitor, so that the detach keys can leave
				// it running.
				ctr, err := c.createContainer(ctx, opts, args[0], args[1:])
				if err != nil {
					return runFailure(err)
				}
				code, err := c.attachStart(ctx, ctr, detachKeys, opts.autoRemove)
				switch {
				case errors.Is(err, container.ErrDetached):
					return nil
				case err != nil:
					if info, ierr := ctr.Inspect(ctx); ierr == nil && !info.State.Running {
						removeOnFailure(ctr) // the start failed
					}
					return runFailure(err)
				case code != 0:
					return statusError{code: code}
				}
				return nil
			}
			cfg, err := c.newConfig(opts, args[0], args[1:])
			if err != nil {
				return runFailure(err)
			}
			ctr, code, err := c.runAttached(ctx, cfg, args[0], attachedStart{
				stdin:      opts.interactive,
				tty:        opts.tty,
				sigProxy:   sigProxy,
				autoRemove: opts.autoRemove,
				signals:    signals,
			})
			if err != nil {
				removeOnFailure(ctr)
				return runFailure(err)
			}
			if code != 0 {
				return statusError{code: code}
			}
			return nil
		},
	}
	opts = addContainerFlags(cmd.Flags())
	flags := cmd.Flags()
	flags.BoolVarP(&detach, "detach", "d", false, "Run container in background and print container ID")
	flags.BoolVar(&sigProxy, "sig-proxy", true, "Proxy received signals to the process")
	flags.StringVar(&detachKeys, "detach-keys", "", "Override the key sequence for detaching a container")
	return cmd
}
