//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/container"
)

// escapeSequenceMessage is what docker attach prints when the detach keys
// end the attachment; it then exits with status 1.
const escapeSequenceMessage = "read escape sequence"

func newAttachCommand(c *cli) *cobra.Command {
	var (
		noStdin, sigProxy bool
		detachKeys        string
	)
	cmd := &cobra.Command{
		Use:   "attach [OPTIONS] CONTAINER",
		Short: "Attach local standard input, output, and error streams to a running container",
		Long: `Attach to a running container: its output from now on goes to stdout and
stderr, stdin is copied to it (unless --no-stdin, and only if it was created
with -i), signals are forwarded unless --sig-proxy=false or it has a TTY.
berth exits with the container's exit code when it stops.

The detach keys (Ctrl-P Ctrl-Q unless --detach-keys) end the attachment and
leave the container running; berth then prints "read escape sequence" and
exits with status 1, as docker does.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if _, err := container.ParseDetachKeys(detachKeys); err != nil {
				return err
			}
			ctr, err := c.container(ctx, args[0])
			if err != nil {
				return err
			}
			info, err := ctr.Inspect(ctx)
			if err != nil {
				return err
			}
			if !info.State.Running {
				return errors.New("cannot attach to a stopped container, start it first")
			}
			if err := c.checkTTY(!noStdin, info.Config.Tty); err != nil {
				return err
			}
			code, err := c.attachRunning(ctx, ctr, info, !noStdin, detachKeys, sigProxy)
			if errors.Is(err, container.ErrDetached) {
				fmt.Fprintln(c.stderr, escapeSequenceMessage)
				return statusError{code: exitError}
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
	flags.BoolVar(&noStdin, "no-stdin", false, "Do not attach STDIN")
	flags.BoolVar(&sigProxy, "sig-proxy", true, "Proxy all received signals to the process")
	flags.StringVar(&detachKeys, "detach-keys", "", "Override the key sequence for detaching a container")
	return cmd
}

// attachRunning connects this program's streams to a running container
// until it exits, and returns its exit code; container.ErrDetached when
// the detach keys were typed. stdin is copied only to a container created
// with -i.
func (c *cli) attachRunning(ctx context.Context, ctr *container.Container, info *container.Info, stdin bool, detachKeys string, sigProxy bool) (int, error) {
	tty := info.Config.Tty
	if sigProxy && !tty {
		// An interrupt is forwarded: the container's exit ends the attachment.
		ctx = context.WithoutCancel(ctx)
	}
	opts := container.AttachOptions{Stdout: c.stdout, Stderr: c.stderr, DetachKeys: detachKeys}
	if stdin && info.Config.OpenStdin {
		opts.Stdin = c.stdin
	}
	restore := func() {}
	if opts.Stdin != nil && tty {
		var err error
		if restore, err = c.rawTerminal(); err != nil {
			return 0, err
		}
	}
	defer restore()
	if sigProxy && !tty {
		stop := proxySignals(ctr)
		defer stop()
	}
	if tty {
		stop := c.monitorTTYSize(false, func(rows, cols uint16) error { return ctr.Resize(ctx, rows, cols) })
		defer stop()
	}
	// Begun before the attachment: the exit of an auto-removed container
	// is still seen once it is gone.
	waitCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	exited, waitErr := ctr.Wait(waitCtx, container.WaitNextExit)
	if err := ctr.Attach(ctx, opts); err != nil {
		return 0, err
	}
	restore()
	select {
	case s := <-exited:
		return s.ExitCode, nil
	case err := <-waitErr:
		return 0, err
	}
}
