//go:build linux

package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/container"
)

func newLogsCommand(c *cli) *cobra.Command {
	var (
		follow, timestamps, details bool
		since, until, tail          string
	)
	cmd := &cobra.Command{
		Use:   "logs [OPTIONS] CONTAINER",
		Short: "Fetch the logs of a container",
		Long: `Print what a container wrote, its stdout to stdout and its stderr to
stderr (everything to stdout for a container with a TTY).

--since and --until take an RFC 3339 time ("2024-01-02T15:04:05Z",
"2024-01-02T15:04", "2024-01-02"; local time without a zone), a Unix
timestamp ("1704164645.5") or a duration back from now ("10m", "1h30m").
--tail shows the last N lines ("all", the default, shows every line; 0
shows none). --details is accepted and ignored: berth records no log
attributes.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			now := time.Now()
			opts := container.LogsOptions{Follow: follow, Timestamps: timestamps, Tail: parseTail(tail)}
			var err error
			if since != "" {
				if opts.Since, err = parseLogTime(since, now); err != nil {
					return fmt.Errorf("invalid value for \"since\": %w", err)
				}
			}
			if until != "" {
				if opts.Until, err = parseLogTime(until, now); err != nil {
					return fmt.Errorf("invalid value for \"until\": %w", err)
				}
			}
			ctr, err := c.container(ctx, args[0])
			if err != nil {
				return err
			}
			err = ctr.Logs(ctx, opts, c.stdout, c.stderr)
			if follow && ctx.Err() != nil {
				return nil // interrupted while following, as docker logs -f ends
			}
			return err
		},
	}
	flags := cmd.Flags()
	flags.BoolVarP(&follow, "follow", "f", false, "Follow log output")
	flags.BoolVarP(&timestamps, "timestamps", "t", false, "Show timestamps")
	flags.BoolVar(&details, "details", false, "Show extra details provided to logs")
	flags.StringVar(&since, "since", "", `Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)`)
	flags.StringVar(&until, "until", "", `Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)`)
	flags.StringVarP(&tail, "tail", "n", "all", "Number of lines to show from the end of the logs")
	return cmd
}

// parseTail reads --tail as dockerd does: a number of lines, anything
// else (such as "all") meaning every line.
func parseTail(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// Layouts of docker's log timestamps (its api/types/time package): local
// forms have no zone and are read in now's location.
const (
	dateLocal        = "2006-01-02"
	dateWithZone     = "2006-01-02Z07:00"
	rfc3339Local     = "2006-01-02T15:04:05"
	rfc3339NanoLocal = "2006-01-02T15:04:05.999999999"
)

// parseLogTime reads a --since or --until value as the docker CLI does:
// a Go duration back from now ("10m"; "0" is the Unix epoch, not a
// duration), an RFC 3339 date or time, complete or cut after the day, the
// hour or the minute, with or without a zone (without one it is local
// time), or a Unix timestamp in seconds with an optional fraction
// ("1704164645.123").
func parseLogTime(value string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(value); value != "0" && err == nil {
		return now.Add(-d), nil
	}
	// A "Z", a "+" or three dashes ("2024-01-02T15:04:05-07:00") give a zone.
	withZone := strings.ContainsAny(value, "zZ+") || strings.Count(value, "-") == 3
	var layout string
	switch {
	case strings.Contains(value, "."):
		layout = rfc3339NanoLocal
		if withZone {
			layout = time.RFC3339Nano
		}
	case strings.Contains(value, "T"):
		colons := strings.Count(value, ":")
		if withZone && !strings.ContainsAny(value, "zZ") && colons > 0 {
			colons-- // the zone's own colon: "+07:00"
		}
		switch {
		case colons == 0 && withZone:
			layout = "2006-01-02T15Z07:00"
		case colons == 0:
			layout = "2006-01-02T15"
		case colons == 1 && withZone:
			layout = "2006-01-02T15:04Z07:00"
		case colons == 1:
			layout = "2006-01-02T15:04"
		case withZone:
			layout = time.RFC3339
		default:
			layout = rfc3339Local
		}
	case withZone:
		layout = dateWithZone
	default:
		layout = dateLocal
	}
	var t time.Time
	var err error
	if withZone {
		t, err = time.Parse(layout, value)
	} else {
		t, err = time.ParseInLocation(layout, value, now.Location())
	}
	if err == nil {
		return t, nil
	}
	if strings.Contains(value, "-") {
		return time.Time{}, err // an RFC 3339 time the parser refused
	}
	if t, ok := parseUnixTimestamp(value); ok {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("failed to parse value as time or duration: %q", value)
}

// parseUnixTimestamp reads "SECONDS" or "SECONDS.FRACTION" (at most nine
// fractional digits).
func parseUnixTimestamp(value string) (time.Time, bool) {
	secText, fracText, hasFrac := strings.Cut(value, ".")
	sec, err := strconv.ParseInt(secText, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	var nsec int64
	if hasFrac {
		if fracText == "" || len(fracText) > 9 {
			return time.Time{}, false
		}
		for _, r := range fracText {
			if r < '0' || r > '9' {
				return time.Time{}, false
			}
		}
		nsec, _ = strconv.ParseInt(fracText+strings.Repeat("0", 9-len(fracText)), 10, 64)
	}
	return time.Unix(sec, nsec), true
}
