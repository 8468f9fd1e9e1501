//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/container"
)

// defaultStopTimeout is how long docker waits for a container without a
// --stop-timeout of its own.
const defaultStopTimeout = 10 * time.Second

// stopFlags are docker stop's and docker restart's flags: the signal to
// send instead of the container's stop signal, and how long to wait for
// it before SIGKILL.
type stopFlags struct {
	signal  string
	timeout int
	cmd     *cobra.Command
}

func addStopFlags(cmd *cobra.Command) *stopFlags {
	f := &stopFlags{cmd: cmd}
	flags := cmd.Flags()
	flags.StringVarP(&f.signal, "signal", "s", "", "Signal to send to the container")
	flags.IntVarP(&f.timeout, "timeout", "t", 0, "Seconds to wait before killing the container")
	flags.IntVar(&f.timeout, "time", 0, "Seconds to wait before killing the container (deprecated: use --timeout)")
	_ = flags.MarkDeprecated("time", "use --timeout instead")
	return f
}

// parse returns the signal (0: the container's own) and the wait (negative:
// the container's --stop-timeout, else 10 seconds). As in docker, a
// timeout of -1 waits for ever.
func (f *stopFlags) parse() (syscall.Signal, time.Duration, error) {
	flags := f.cmd.Flags()
	if flags.Changed("time") && flags.Changed("timeout") {
		return 0, 0, errors.New("conflicting options: cannot specify both --timeout and --time")
	}
	timeout := time.Duration(-1)
	if flags.Changed("time") || flags.Changed("timeout") {
		timeout = time.Duration(f.timeout) * time.Second
		if f.timeout < 0 {
			timeout = math.MaxInt64
		}
	}
	var sig syscall.Signal
	if f.signal != "" {
		var err error
		if sig, err = container.ParseSignal(f.signal); err != nil {
			return 0, 0, err
		}
	}
	return sig, timeout, nil
}

// stopContainer stops ctr as docker stop does: with its own stop signal
// (container.Stop), or with sig, waiting up to timeout before SIGKILL.
func stopContainer(ctx context.Context, ctr *container.Container, sig syscall.Signal, timeout time.Duration) error {
	if sig == 0 {
		return ctr.Stop(ctx, timeout)
	}
	if timeout < 0 {
		info, err := ctr.Inspect(ctx)
		if err != nil {
			return err
		}
		timeout = defaultStopTimeout
		if info.Config.StopTimeout != nil {
			timeout = time.Duration(*info.Config.StopTimeout) * time.Second
		}
	}
	if err := ctr.Kill(ctx, sig); err != nil {
		if errors.Is(err, container.ErrNotRunning) {
			return nil
		}
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	_, err := ctr.WaitExit(wctx)
	cancel()
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return err
	}
	if err := ctr.Kill(ctx, syscall.SIGKILL); err != nil && !errors.Is(err, container.ErrNotRunning) {
		return err
	}
	_, err = ctr.WaitExit(ctx)
	return err
}

func newStopCommand(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stop [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Stop one or more running containers",
		Long: `Stop running containers: send each its stop signal (--stop-signal when
created, the image's, else SIGTERM; or --signal), wait up to its stop
timeout (--timeout, else its --stop-timeout, else 10 seconds; -1 waits for
ever), then SIGKILL. Each container stopped is printed as given; stopping
a stopped container is not an error.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
	}
	f := addStopFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		sig, timeout, err := f.parse()
		if err != nil {
			return err
		}
		return eachArg(args, func(arg string) error {
			ctr, err := c.container(ctx, arg)
			if err == nil {
				err = stopContainer(ctx, ctr, sig, timeout)
			}
			if err == nil {
				fmt.Fprintln(c.stdout, arg)
			}
			return err
		})
	}
	return cmd
}

func newRestartCommand(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "restart [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Restart one or more containers",
		Long: `Stop containers as berth stop does, then start them again, handed to the
root's monitor process so that they keep running after berth exits. Each
container restarted is printed as given.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
	}
	f := addStopFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		sig, timeout, err := f.parse()
		if err != nil {
			return err
		}
		return eachArg(args, func(arg string) error {
			ctr, err := c.container(ctx, arg)
			if err != nil {
				return err
			}
			if sig == 0 {
				err = ctr.Restart(ctx, timeout, container.Detach())
			} else if err = stopContainer(ctx, ctr, sig, timeout); err == nil {
				err = ctr.Start(ctx, container.Detach())
			}
			if err == nil {
				fmt.Fprintln(c.stdout, arg)
			}
			return err
		})
	}
	return cmd
}
