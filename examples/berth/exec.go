//go:build linux

package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/container"
)

func newExecCommand(c *cli) *cobra.Command {
	var (
		detach, interactive, tty, privileged bool
		user, workdir, detachKeys            string
		env, envFiles                        []string
	)
	cmd := &cobra.Command{
		Use:   "exec [OPTIONS] CONTAINER COMMAND [ARG...]",
		Short: "Execute a command in a running container",
		Long: `Run a command in a running container, in its namespaces and cgroup, with
its environment (plus -e and --env-file), user and working directory unless
-u or -w say otherwise. Its output goes to stdout and stderr, stdin is
copied to it with -i, -t gives it a pseudo-terminal, and berth exits with
its exit code: 126 when the command cannot be executed, 127 when it does
not exist. With -d berth starts it and returns at once.`,
		Args: usageArgs(cobra.MinimumNArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if _, err := container.ParseDetachKeys(detachKeys); err != nil {
				return err
			}
			if !detach {
				if err := c.checkTTY(interactive, tty); err != nil {
					return err
				}
			}
			vars, err := containerEnv(envFiles, env, c.lookupEnv)
			if err != nil {
				return err
			}
			ctr, err := c.container(ctx, args[0])
			if err != nil {
				return err
			}
			cfg := container.ExecConfig{
				Cmd:        args[1:],
				Env:        vars,
				User:       user,
				WorkingDir: workdir,
				Tty:        tty,
				Privileged: privileged,
			}
			restore := func() {}
			if !detach {
				cfg.Stdout, cfg.Stderr = c.stdout, c.stderr
				if interactive {
					cfg.Stdin = c.stdin
					if tty {
						if restore, err = c.rawTerminal(); err != nil {
							return err
						}
					}
				}
			}
			defer restore()
			proc, err := ctr.Exec(ctx, cfg)
			if err != nil {
				return execFailure(ctr, err)
			}
			if detach {
				return nil
			}
			if tty {
				stop := c.monitorTTYSize(false, proc.Resize)
				defer stop()
			}
			code, err := proc.Wait(ctx)
			if err != nil {
				return err
			}
			restore()
			if code != 0 {
				return statusError{code: code}
			}
			return nil
		},
	}
	flags := cmd.Flags()
	flags.SetInterspersed(false)
	flags.BoolVarP(&detach, "detach", "d", false, "Detached mode: run command in the background")
	flags.BoolVarP(&interactive, "interactive", "i", false, "Keep STDIN open even if not attached")
	flags.BoolVarP(&tty, "tty", "t", false, "Allocate a pseudo-TTY")
	flags.BoolVar(&privileged, "privileged", false, "Give extended privileges to the command")
	flags.StringVarP(&user, "user", "u", "", "Username or UID (format: \"<name|uid>[:<group|gid>]\")")
	flags.StringVarP(&workdir, "workdir", "w", "", "Working directory inside the container")
	stringArrayVar(flags, &env, "env", "e", "Set environment variables")
	stringArrayVar(flags, &envFiles, "env-file", "", "Read in a file of environment variables")
	flags.StringVar(&detachKeys, "detach-keys", "", "Override the key sequence for detaching a container")
	return cmd
}

// execFailure is how docker exec reports a process that did not start:
// 126 or 127 when its command cannot be run, docker's message for a
// container that is not running, else the error (status 1).
func execFailure(ctr *container.Container, err error) error {
	var exitErr *container.ExitError
	switch {
	case errors.As(err, &exitErr):
		return statusError{code: exitErr.Code, err: err}
	case errors.Is(err, container.ErrNotRunning):
		return fmt.Errorf("container %s is not running", ctr.ID())
	}
	return err
}
