//go:build linux

package container

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/berth-dev/berth/internal/jsonlog"
)

func (c *Container) logPath() string { return filepath.Join(c.dir(), c.id+"-json.log") }

// LogsOptions are docker logs's flags.
type LogsOptions struct {
	Follow     bool
	Timestamps bool
	Since      time.Time
	Until      time.Time
	// Tail is the number of last lines to show; negative shows all.
	Tail int
}

// Logs writes the container's logged output to stdout and stderr (with
// Timestamps, each line prefixed by its RFC 3339 time). With Follow it
// keeps writing new lines until the container stops or ctx ends.
func (c *Container) Logs(ctx context.Context, opts LogsOptions, stdout, stderr io.Writer) error {
	if _, err := c.state(); err != nil {
		return fmt.Errorf("logs of container %s: %w", c.ShortID(), err)
	}
	done := make(chan struct{})
	if opts.Follow {
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		exited, errc := c.Wait(wctx, WaitNotRunning)
		go func() {
			select {
			case <-exited:
			case <-errc:
			}
			close(done)
		}()
	} else {
		close(done)
	}
	ropts := jsonlog.ReadOptions{Since: opts.Since, Until: opts.Until, Tail: opts.Tail, Follow: opts.Follow}
	err := jsonlog.Read(ctx, c.logPath(), ropts, done, func(e jsonlog.Entry) error {
		w := stdout
		if e.Stream == "stderr" {
			w = stderr
		}
		if opts.Timestamps {
			if _, err := io.WriteString(w, e.Time.UTC().Format(time.RFC3339Nano)+" "); err != nil {
				return err
			}
		}
		_, err := w.Write(e.Line)
		return err
	})
	if err != nil {
		return fmt.Errorf("logs of container %s: %w", c.ShortID(), err)
	}
	return nil
}
