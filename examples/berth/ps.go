//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/container"
	"github.com/berth-dev/berth/registryclient"
)

// containerRow is one row of docker ps and the fields its --format sees.
type containerRow struct {
	ID           string
	Image        string
	Command      string
	CreatedAt    string
	RunningFor   string
	Ports        string
	State        string
	Status       string
	Names        string
	Labels       string
	Mounts       string
	LocalVolumes string
	Networks     string
	Size         string

	labels map[string]string
}

// Label is the value of one label, for {{.Label "key"}}.
func (r containerRow) Label(name string) string { return r.labels[name] }

var containerHeader = map[string]string{
	"ID":           "CONTAINER ID",
	"Image":        "IMAGE",
	"Command":      "COMMAND",
	"CreatedAt":    "CREATED AT",
	"RunningFor":   "CREATED",
	"Ports":        "PORTS",
	"State":        "STATE",
	"Status":       "STATUS",
	"Names":        "NAMES",
	"Labels":       "LABELS",
	"Mounts":       "MOUNTS",
	"LocalVolumes": "LOCAL VOLUMES",
	"Networks":     "NETWORKS",
	"Size":         "SIZE",
}

const (
	psTableFormat = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
	psQuietFormat = "{{.ID}}"
	// commandWidth is how much of the command docker ps shows.
	commandWidth = 20
	// mountWidth is how much of each mount name docker ps shows.
	mountWidth = 15
)

func newPsCommand(c *cli) *cobra.Command {
	var (
		quiet, all, noTrunc, latest, size bool
		last                              int
		filters                           []string
		format                            string
	)
	cmd := &cobra.Command{
		Use:   "ps [OPTIONS]",
		Short: "List containers",
		Long: `List running containers, or all of them with -a; -n N shows the N
newest (any state), -l the newest.

Filters (--filter key=value, repeatable; values of one key are alternatives):
id=ID prefix, name=regular expression, label=KEY or label=KEY=VALUE,
status=created|running|exited|dead, exited=CODE, ancestor=IMAGE.

--format takes a Go template over .ID .Image .Command .CreatedAt
.RunningFor .Ports .Status .State .Names .Labels .Label "key" .Mounts
.LocalVolumes .Networks .Size; prefix it with "table" for aligned columns
with headers, or use "json" for one JSON object per line. PORTS is empty:
the only network so far is "none".

-s adds SIZE: the container's writable layer, and in brackets all of its
files, the image's too ("12B (virtual 4.26MB)"). Measuring it walks the
writable layer; a --format that uses .Size measures it too.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			opts := container.ListOptions{All: all}
			for _, f := range filters {
				key, value, ok := strings.Cut(f, "=")
				if !ok {
					return fmt.Errorf("bad format of filter (expected name=value): %s", f)
				}
				if opts.Filters == nil {
					opts.Filters = map[string][]string{}
				}
				opts.Filters[key] = append(opts.Filters[key], value)
			}
			if latest && last == -1 {
				last = 1
			}
			if last > 0 {
				opts.All = true
			}
			switch {
			case quiet && format != "":
				fmt.Fprintln(c.stderr, "WARNING: Ignoring custom format, because both --format and --quiet are set.")
				format = psQuietFormat
			case quiet:
				format = psQuietFormat
			}
			if format == "" || format == tableFormatPrefix {
				format = psTableFormat
				if size {
					format += `\t{{.Size}}`
				}
			}
			size = size && !quiet || strings.Contains(format, ".Size")
			rf, err := parseRowFormat(format, psTableFormat)
			if err != nil {
				return err
			}
			rt, err := c.runtime(ctx)
			if err != nil {
				return err
			}
			infos, err := rt.List(ctx, opts)
			if err != nil {
				return err
			}
			if last > 0 && len(infos) > last {
				infos = infos[:last]
			}
			now := time.Now()
			rows := make([]any, 0, len(infos))
			for _, info := range infos {
				row := newContainerRow(info, !noTrunc, now)
				if size {
					if row.Size, err = containerSize(ctx, rt, info.ID); err != nil {
						return err
					}
				}
				rows = append(rows, row)
			}
			return rf.write(c.stdout, containerHeader, rows)
		},
	}
	flags := cmd.Flags()
	flags.BoolVarP(&quiet, "quiet", "q", false, "Only display container IDs")
	flags.BoolVarP(&all, "all", "a", false, "Show all containers (default shows just running)")
	flags.BoolVar(&noTrunc, "no-trunc", false, "Don't truncate output")
	flags.BoolVarP(&size, "size", "s", false, "Display total file sizes")
	flags.BoolVarP(&latest, "latest", "l", false, "Show the latest created container (includes all states)")
	flags.IntVarP(&last, "last", "n", -1, "Show n last created containers (includes all states)")
	stringArrayVar(flags, &filters, "filter", "f", "Filter output based on conditions provided")
	flags.StringVar(&format, "format", "", "Format output using a custom template")
	return cmd
}

func newContainerRow(info *container.Info, trunc bool, now time.Time) containerRow {
	id := info.ID
	command := strings.Join(append([]string{info.Path}, info.Args...), " ")
	if trunc {
		id = shortID(id)
		command = ellipsis(command, commandWidth)
	}
	labels := make([]string, 0, len(info.Config.Labels))
	for k, v := range info.Config.Labels {
		labels = append(labels, k+"="+v)
	}
	sort.Strings(labels)
	var mounts []string
	volumes := 0
	for _, m := range info.Mounts {
		name := m.Name
		if name == "" {
			name = m.Source
		}
		if trunc {
			name = ellipsis(name, mountWidth)
		}
		mounts = append(mounts, name)
		if m.Type == container.MountVolume {
			volumes++
		}
	}
	network := info.Config.NetworkMode
	if network == "" {
		network = defaultNetworkMode
	}
	return containerRow{
		ID:           id,
		Image:        containerImage(info, trunc),
		Command:      strconv.Quote(command),
		CreatedAt:    info.Created.Local().Format("2006-01-02 15:04:05 -0700 MST"),
		RunningFor:   humanDuration(now.Sub(info.Created)) + " ago",
		State:        string(info.State.Status),
		Status:       containerStatus(info.State, now),
		Names:        strings.TrimPrefix(info.Name, "/"),
		Labels:       strings.Join(labels, ","),
		Mounts:       strings.Join(mounts, ","),
		LocalVolumes: strconv.Itoa(volumes),
		Networks:     network,
		Size:         humanSize(0),
		labels:       info.Config.Labels,
	}
}

// containerSize is docker ps's SIZE of container id: "12B (virtual
// 4.26MB)". A container removed meanwhile shows no size.
func containerSize(ctx context.Context, rt *container.Runtime, id string) (string, error) {
	c, err := rt.Get(ctx, id)
	if err == nil {
		var sz container.Size
		if sz, err = c.Size(ctx); err == nil {
			return formatSize(sz), nil
		}
	}
	if errors.Is(err, container.ErrNotFound) {
		return humanSize(0), nil
	}
	return "", err
}

// formatSize renders sz as docker ps -s does.
func formatSize(sz container.Size) string {
	if sz.RootFS > 0 {
		return fmt.Sprintf("%s (virtual %s)", humanSize(sz.RW), humanSize(sz.RootFS))
	}
	return humanSize(sz.RW)
}

// containerImage is docker ps's IMAGE: the image as the container was
// created from it, in docker's familiar form ("busybox", "user/app:1"),
// without a digest; the short ID when it was given by ID.
func containerImage(info *container.Info, trunc bool) string {
	ref := info.ImageRef
	switch {
	case ref == "":
		return "<no image>"
	case !trunc:
		return ref
	case shortID(info.Image) == shortID(ref):
		return shortID(info.Image)
	}
	parsed, err := registryclient.ParseReference(ref)
	if err != nil {
		return ref
	}
	if !hasTagOrDigest(ref) || strings.Contains(ref, "@") {
		return familiarRepository(parsed)
	}
	return registryclient.FamiliarName(parsed)
}

// containerStatus is docker's STATUS column: "Up 2 minutes", "Exited (0)
// 3 seconds ago", "Created".
func containerStatus(st container.State, now time.Time) string {
	switch {
	case st.Running:
		return "Up " + humanDuration(now.Sub(st.StartedAt))
	case st.Status == container.StatusRemoving:
		return "Removal In Progress"
	case st.Dead || st.Status == container.StatusDead:
		return "Dead"
	case st.StartedAt.IsZero():
		return "Created"
	case st.FinishedAt.IsZero():
		return ""
	}
	return fmt.Sprintf("Exited (%d) %s ago", st.ExitCode, humanDuration(now.Sub(st.FinishedAt)))
}
