//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit statuses, as the docker CLI uses them.
const (
	exitOK    = 0
	exitError = 1   // the command failed while doing its work
	exitUsage = 125 // the command line is wrong: unknown command or flag, bad arguments
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], streams{
		stdin:  os.Stdin,
		stdout: os.Stdout,
		stderr: os.Stderr,
		getenv: os.Getenv,
	})
	stop()
	os.Exit(code)
}

// streams are the process's standard streams and environment, given to run so
// that tests can run the CLI in-process.
type streams struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// statusError ends the command with a given exit status: a container's
// exit code (docker run, start -a, wait is printed instead), or docker's
// 125/126/127 when a container could not start. A nil err prints nothing.
type statusError struct {
	code int
	err  error
}

func (e statusError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e statusError) Unwrap() error { return e.err }

// usageError marks an error in the command line itself (exit status 125).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// run executes one command line and returns the exit status.
func run(ctx context.Context, args []string, s streams) int {
	c := &cli{streams: s}
	root := newRootCommand(c, args)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if closeErr := c.close(); err == nil && closeErr != nil {
		err = closeErr
	}
	if err == nil {
		return exitOK
	}
	if se := (statusError{}); errors.As(err, &se) {
		if se.err != nil {
			fmt.Fprintf(s.stderr, "Error: %s\n", se.err)
		}
		return se.code
	}
	fmt.Fprintf(s.stderr, "Error: %s\n", err)
	if ue := (usageError{}); errors.As(err, &ue) {
		if cmd == nil {
			cmd = root
		}
		fmt.Fprintf(s.stderr, "See '%s --help'.\n", cmd.CommandPath())
		return exitUsage
	}
	return exitError
}
