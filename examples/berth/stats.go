//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/container"
)

// statsRow is one row of docker stats and the fields its --format sees.
// The fields are in alphabetical order so that {{json .}} prints them as
// docker does.
type statsRow struct {
	BlockIO   string
	CPUPerc   string
	Container string
	ID        string
	MemPerc   string
	MemUsage  string
	Name      string
	NetIO     string
	PIDs      string
}

var statsHeader = map[string]string{
	"BlockIO":   "BLOCK I/O",
	"CPUPerc":   "CPU %",
	"Container": "CONTAINER",
	"ID":        "CONTAINER ID",
	"MemPerc":   "MEM %",
	"MemUsage":  "MEM USAGE / LIMIT",
	"Name":      "NAME",
	"NetIO":     "NET I/O",
	"PIDs":      "PIDS",
}

const (
	statsTableFormat = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"
	// statsRefresh is how often streaming stats redraw.
	statsRefresh = time.Second
	// statsNoValue is what docker shows for figures it could not read.
	statsNoValue = "--"
)

// statsTarget is a container whose stats are shown, with the reference
// its CONTAINER column shows.
type statsTarget struct {
	ref string
	ctr *container.Container
}

func newStatsCommand(c *cli) *cobra.Command {
	var (
		all, noStream, noTrunc bool
		format                 string
	)
	cmd := &cobra.Command{
		Use:   "stats [OPTIONS] [CONTAINER...]",
		Short: "Display a live stream of container(s) resource usage statistics",
		Long: `Display the resource use of containers: the running ones (all with --all)
or those named.

Without --no-stream the table is redrawn every second (with the terminal
escapes docker uses) until interrupted. --format takes a Go template over
.Container .Name .ID .CPUPerc .MemUsage .MemPerc .NetIO .BlockIO .PIDs;
prefix it with "table" for aligned columns with headers, or use "json".
Memory is shown in binary units (MiB), network and block I/O in decimal
units (kB), as docker shows them.`,
		Args: usageArgs(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if format == tableFormatPrefix {
				format = statsTableFormat
			}
			rf, err := parseRowFormat(format, statsTableFormat)
			if err != nil {
				return err
			}
			rt, err := c.runtime(ctx)
			if err != nil {
				return err
			}
			var named []statsTarget
			var errs []error
			for _, ref := range args {
				ctr, err := containerByRef(ctx, rt, ref)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				named = append(named, statsTarget{ref: ref, ctr: ctr})
			}
			if err := errors.Join(errs...); err != nil {
				return err
			}
			targets := func() ([]statsTarget, error) {
				if len(args) > 0 {
					return named, nil
				}
				return listStatsTargets(ctx, rt, all)
			}
			if noStream {
				list, err := targets()
				if err != nil {
					return err
				}
				rows, err := sampleStats(ctx, list, !noTrunc, len(args) > 0)
				if err != nil {
					return err
				}
				if len(rows) == 0 {
					return nil
				}
				return rf.write(c.stdout, statsHeader, rows)
			}
			return streamStats(ctx, c.stdout, rf, targets, !noTrunc)
		},
	}
	flags := cmd.Flags()
	flags.BoolVarP(&all, "all", "a", false, "Show all containers (default shows just running)")
	flags.BoolVar(&noStream, "no-stream", false, "Disable streaming stats and only pull the first result")
	flags.BoolVar(&noTrunc, "no-trunc", false, "Do not truncate output")
	flags.StringVar(&format, "format", "", "Format output using a custom template")
	return cmd
}

// listStatsTargets are the running containers (every one with all),
// newest first, as docker stats without arguments shows them.
func listStatsTargets(ctx context.Context, rt *container.Runtime, all bool) ([]statsTarget, error) {
	infos, err := rt.List(ctx, container.ListOptions{All: all})
	if err != nil {
		return nil, err
	}
	var out []statsTarget
	for _, info := range infos {
		ctr, err := rt.Get(ctx, info.ID)
		if errors.Is(err, container.ErrNotFound) {
			continue // removed since the listing
		}
		if err != nil {
			return nil, err
		}
		out = append(out, statsTarget{ref: info.ID, ctr: ctr})
	}
	return out, nil
}

// streamStats redraws the table every statsRefresh until ctx ends, each
// frame from the cursor's home position, as docker stats does.
func streamStats(ctx context.Context, w io.Writer, rf *rowFormat, targets func() ([]statsTarget, error), trunc bool) error {
	var render, frame bytes.Buffer
	tick := time.NewTicker(statsRefresh)
	defer tick.Stop()
	for {
		list, err := targets()
		if err != nil {
			return err
		}
		rows, err := sampleStats(ctx, list, trunc, false)
		if ctx.Err() != nil {
			return nil // interrupted: docker ends silently
		}
		if err != nil {
			return err
		}
		render.Reset()
		frame.Reset()
		if err := rf.write(&render, statsHeader, rows); err != nil {
			return err
		}
		frame.WriteString("\033[H")
		for _, line := range bytes.Split(render.Bytes(), []byte{'\n'}) {
			frame.Write(line)
			frame.WriteString("\033[K\n")
		}
		frame.WriteString("\033[J")
		if _, err := w.Write(frame.Bytes()); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// sampleStats reads every target's stats at once (each reading takes two
// samples a moment apart). A container that is not running shows zeros,
// as docker shows it. When strict, any other failure is returned, as
// docker stats --no-stream CONTAINER... fails; otherwise the row shows
// "--", as docker shows a container it lost track of.
func sampleStats(ctx context.Context, targets []statsTarget, trunc, strict bool) ([]any, error) {
	rows := make([]any, len(targets))
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Go(func() {
			rows[i], errs[i] = sampleStatsRow(ctx, t, trunc)
		})
	}
	wg.Wait()
	if !strict {
		return rows, nil
	}
	return rows, errors.Join(errs...)
}

func sampleStatsRow(ctx context.Context, t statsTarget, trunc bool) (statsRow, error) {
	id := t.ctr.ID()
	if trunc {
		id = t.ctr.ShortID()
	}
	name, err := t.ctr.Name(ctx)
	var s *container.Stats
	if err == nil {
		s, err = t.ctr.Stats(ctx)
	}
	switch {
	case errors.Is(err, container.ErrNotRunning):
		s, err = &container.Stats{}, nil
	case errors.Is(err, container.ErrNotFound):
		err = reworded{"No such container: " + t.ref, err}
	}
	if err != nil {
		s = nil
	}
	return newStatsRow(t.ref, id, name, s), err
}

// newStatsRow is the row of one reading s, or of a container that could
// not be read (s nil), with docker's units and placeholders.
func newStatsRow(ref, id, name string, s *container.Stats) statsRow {
	row := statsRow{Container: ref, ID: id, Name: name}
	if name == "" {
		row.Name = statsNoValue
	}
	if s == nil {
		row.CPUPerc, row.MemUsage, row.MemPerc = statsNoValue, "-- / --", statsNoValue
		row.NetIO, row.BlockIO, row.PIDs = statsNoValue, statsNoValue, statsNoValue
		return row
	}
	row.CPUPerc = statsPercent(s.CPUPercent)
	row.MemUsage = units.BytesSize(float64(s.MemoryUsage)) + " / " + units.BytesSize(float64(s.MemoryLimit))
	row.MemPerc = statsPercent(s.MemoryPercent)
	row.NetIO = statsIOSize(s.NetRx) + " / " + statsIOSize(s.NetTx)
	row.BlockIO = statsIOSize(s.BlockRead) + " / " + statsIOSize(s.BlockWrite)
	row.PIDs = strconv.FormatUint(s.Pids, 10)
	return row
}

// statsPercent is docker's "12.34%".
func statsPercent(v float64) string {
	return strconv.FormatFloat(v, 'f', 2, 64) + "%"
}

// statsIOSize is an I/O byte count in decimal units with three
// significant digits: "1.2kB", "0B".
func statsIOSize(n uint64) string {
	return units.HumanSizeWithPrecision(float64(n), 3)
}
