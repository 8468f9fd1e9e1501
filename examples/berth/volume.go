//go:build linux

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/container"
)

// volumeDriver is the only volume driver berth has, as docker names it.
const volumeDriver = "local"

func newVolumeCommand(c *cli) *cobra.Command {
	group := &cobra.Command{
		Use:   "volume COMMAND",
		Short: "Manage volumes",
		Long: `Manage volumes: directories under the root that outlive the containers
mounting them, with docker's local driver's names and messages.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	group.AddCommand(
		newVolumeCreateCommand(c),
		newVolumeListCommand(c),
		newVolumeInspectCommand(c),
		newVolumeRemoveCommand(c),
		newVolumePruneCommand(c),
	)
	return group
}

func newVolumeCreateCommand(c *cli) *cobra.Command {
	var (
		name, driver string
		labels       volumeLabelsFlag
		driverOpts   []string
	)
	cmd := &cobra.Command{
		Use:   "create [OPTIONS] [VOLUME]",
		Short: "Create a volume",
		Long: `Create a volume and print its name. Without a name the volume is anonymous
and gets 64 random hex digits instead. Creating a volume that exists
returns it unchanged. The local driver is the only one; it takes no options.`,
		Args:                  usageArgs(cobra.MaximumNArgs(1)),
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if len(args) == 1 {
				if name != "" {
					return errors.New("conflicting options: cannot specify a volume-name through both --name and as a positional arg")
				}
				name = args[0]
			}
			if driver != volumeDriver {
				return fmt.Errorf("create %s: error looking up volume plugin %s: plugin %q not found", name, driver, driver)
			}
			if len(driverOpts) > 0 {
				return fmt.Errorf("create %s: the local driver takes no options (%s): %w", name, strings.Join(driverOpts, ", "), container.ErrNotSupported)
			}
			rt, err := c.runtime(ctx)
			if err != nil {
				return err
			}
			v, err := rt.CreateVolume(ctx, name, labels.m)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.stdout, v.Name)
			return nil
		},
	}
	flags := cmd.Flags()
	flags.StringVarP(&driver, "driver", "d", volumeDriver, "Specify volume driver name")
	flags.StringVar(&name, "name", "", "Specify volume name")
	_ = flags.MarkHidden("name")
	stringArrayVar(flags, &driverOpts, "opt", "o", "Set driver specific options (none for the local driver)")
	flags.Var(&labels, "label", "Set metadata for a volume")
	return cmd
}

// volumeRow is one row of docker volume ls and the fields its --format
// sees. The fields are in alphabetical order so that {{json .}} prints
// them as docker does; the cluster and usage columns are docker's "N/A".
type volumeRow struct {
	Availability string
	Driver       string
	Group        string
	Labels       string
	Links        string
	Mountpoint   string
	Name         string
	Scope        string
	Size         string
	Status       string

	labels map[string]string
}

// Label is the value of one label, for --format '{{.Label "key"}}'.
func (r volumeRow) Label(name string) string { return r.labels[name] }

var volumeHeader = map[string]string{
	"Availability": "AVAILABILITY",
	"Driver":       "DRIVER",
	"Group":        "GROUP",
	"Labels":       "LABELS",
	"Links":        "LINKS",
	"Mountpoint":   "MOUNTPOINT",
	"Name":         "VOLUME NAME",
	"Scope":        "SCOPE",
	"Size":         "SIZE",
	"Status":       "STATUS",
}

const (
	volumesTableFormat = "table {{.Driver}}\t{{.Name}}"
	volumesQuietFormat = "{{.Name}}"
)

func newVolumeRow(v *container.Volume) volumeRow {
	pairs := make([]string, 0, len(v.Labels))
	for k, val := range v.Labels {
		pairs = append(pairs, k+"="+val)
	}
	sort.Strings(pairs)
	return volumeRow{
		Availability: "N/A",
		Driver:       v.Driver,
		Group:        "N/A",
		Labels:       strings.Join(pairs, ","),
		Links:        "N/A",
		Mountpoint:   v.Mountpoint,
		Name:         v.Name,
		Scope:        v.Scope,
		Size:         "N/A",
		Status:       "N/A",
		labels:       v.Labels,
	}
}

func newVolumeListCommand(c *cli) *cobra.Command {
	var (
		quiet   bool
		format  string
		filters volumeFiltersFlag
	)
	cmd := &cobra.Command{
		Use:     "ls [OPTIONS]",
		Aliases: []string{"list"},
		Short:   "List volumes",
		Long: `List volumes, sorted by name (numbers in names compared as numbers).

Filters (--filter key=value, repeatable): dangling=true|false (used by no
container, or by some), name=NAME (a substring or regular expression),
label=KEY or label=KEY=VALUE, driver=local.

--format takes a Go template over .Name .Driver .Scope .Mountpoint .Labels
and {{.Label "key"}}; prefix it with "table" for aligned columns with
headers, or use "json" for one JSON object per line.`,
		Args:                  usageArgs(cobra.NoArgs),
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			f, none, err := parseVolumeFilters(filters)
			if err != nil {
				return err
			}
			switch {
			case (format == "" || format == tableFormatPrefix) && quiet:
				format = volumesQuietFormat
			case format == tableFormatPrefix:
				format = volumesTableFormat
			}
			rf, err := parseRowFormat(format, volumesTableFormat)
			if err != nil {
				return err
			}
			rt, err := c.runtime(ctx)
			if err != nil {
				return err
			}
			volumes, err := rt.Volumes(ctx, f)
			if err != nil {
				return err
			}
			if none {
				volumes = nil
			}
			sort.SliceStable(volumes, func(i, j int) bool { return naturalLess(volumes[i].Name, volumes[j].Name) })
			rows := make([]any, 0, len(volumes))
			for _, v := range volumes {
				rows = append(rows, newVolumeRow(v))
			}
			return rf.write(c.stdout, volumeHeader, rows)
		},
	}
	flags := cmd.Flags()
	flags.BoolVarP(&quiet, "quiet", "q", false, "Only display volume names")
	flags.StringVar(&format, "format", "", "Format output using a custom template")
	flags.VarP(&filters, "filter", "f", `Provide filter values (e.g. "dangling=true")`)
	return cmd
}

// parseVolumeFilters turns docker volume ls's filters into a VolumeFilter;
// none reports a filter nothing can match (a driver other than local).
func parseVolumeFilters(filters volumeFiltersFlag) (f container.VolumeFilter, none bool, err error) {
	for _, kv := range filters {
		key, value, _ := strings.Cut(kv, "=")
		switch key {
		case "dangling":
			var dangling bool
			switch strings.ToLower(value) {
			case "true", "1":
				dangling = true
			case "false", "0":
			default:
				return f, false, fmt.Errorf("invalid filter 'dangling=%s'", value)
			}
			f.Dangling = &dangling
		case "name":
			f.Names = append(f.Names, value)
		case "label":
			f.Labels = append(f.Labels, value)
		case "driver":
			if value != volumeDriver {
				none = true
			}
		default:
			return f, false, fmt.Errorf("invalid filter '%s'", key)
		}
	}
	return f, none, nil
}

// inspectVolume is docker volume inspect's JSON object.
type inspectVolume struct {
	CreatedAt  string
	Driver     string
	Labels     map[string]string
	Mountpoint string
	Name       string
	Options    map[string]string
	Scope      string
}

func newInspectVolume(v *container.Volume) inspectVolume {
	nonNil := func(m map[string]string) map[string]string {
		if m == nil {
			return map[string]string{}
		}
		return m
	}
	return inspectVolume{
		CreatedAt:  v.CreatedAt.Local().Format(time.RFC3339),
		Driver:     v.Driver,
		Labels:     nonNil(v.Labels),
		Mountpoint: v.Mountpoint,
		Name:       v.Name,
		Options:    nonNil(v.Options),
		Scope:      v.Scope,
	}
}

func newVolumeInspectCommand(c *cli) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] VOLUME [VOLUME...]",
		Short: "Display detailed information on one or more volumes",
		Long: `Display volumes as a JSON array, or render each with a Go template
(--format '{{.Mountpoint}}'). Volumes that exist are shown even when others
are missing; the exit status is then 1.`,
		Args:                  usageArgs(cobra.MinimumNArgs(1)),
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var rf *rowFormat
			if format != "" && format != "json" {
				var err error
				if rf, err = parseRowFormat(format, ""); err != nil {
					return err
				}
			}
			rt, err := c.runtime(ctx)
			if err != nil {
				return err
			}
			found := []any{}
			var errs []error
			for _, name := range args {
				v, err := rt.Volume(ctx, name)
				if err != nil {
					errs = append(errs, volumeError(ctx, rt, "get", name, err))
					continue
				}
				found = append(found, newInspectVolume(v))
			}
			switch {
			case rf != nil:
				if err := rf.write(c.stdout, nil, found); err != nil {
					return err
				}
			case format == "json":
				// docker's --format json: the array, compact.
				out, err := json.Marshal(found)
				if err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "%s\n", out)
			default:
				out, err := json.MarshalIndent(found, "", "    ")
				if err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "%s\n", out)
			}
			return errors.Join(errs...)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "Format output using a custom template")
	return cmd
}

func newVolumeRemoveCommand(c *cli) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:     "rm [OPTIONS] VOLUME [VOLUME...]",
		Aliases: []string{"remove"},
		Short:   "Remove one or more volumes",
		Long: `Remove one or more volumes. You cannot remove a volume that is in use by a
container, even with --force, which only makes a missing volume not an
error. Each removed volume's name is printed.`,
		Args:                  usageArgs(cobra.MinimumNArgs(1)),
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := c.runtime(ctx)
			if err != nil {
				return err
			}
			return eachArg(args, func(name string) error {
				if err := rt.RemoveVolume(ctx, name, force); err != nil {
					op := "remove"
					if errors.Is(err, container.ErrNotFound) {
						op = "get"
					}
					return volumeError(ctx, rt, op, name, err)
				}
				fmt.Fprintln(c.stdout, name)
				return nil
			})
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Force the removal of one or more volumes")
	return cmd
}

const (
	volumePruneWarning    = "WARNING! This will remove anonymous local volumes not used by at least one container."
	volumePruneAllWarning = "WARNING! This will remove all local volumes not used by at least one container."
)

func newVolumePruneCommand(c *cli) *cobra.Command {
	var all, force bool
	cmd := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove unused local volumes",
		Long: `Remove the anonymous volumes no container uses, or with --all every volume
no container uses. Asks for confirmation on stdin unless --force; any answer
but "y" cancels, with exit status 1, as docker does.`,
		Args:                  usageArgs(cobra.NoArgs),
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			warning := volumePruneWarning
			if all {
				warning = volumePruneAllWarning
			}
			if !force && !confirmPrune(c.stdin, c.stdout, warning) {
				return statusError{code: exitError}
			}
			rt, err := c.runtime(ctx)
			if err != nil {
				return err
			}
			names, reclaimed, err := rt.PruneVolumes(ctx, all)
			printPruneReport(c.stdout, "Deleted Volumes:", names, reclaimed)
			return err
		},
	}
	flags := cmd.Flags()
	flags.BoolVarP(&all, "all", "a", false, "Remove all unused volumes, not just anonymous ones")
	flags.BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	return cmd
}

// confirmPrune asks docker's question after warning and reports whether
// the answer, one line of in, is "y" (in any case).
func confirmPrune(in io.Reader, out io.Writer, warning string) bool {
	fmt.Fprintf(out, "%s\nAre you sure you want to continue? [y/N] ", warning)
	sc := bufio.NewScanner(in)
	return sc.Scan() && strings.EqualFold(strings.TrimSpace(sc.Text()), "y")
}

// printPruneReport prints what a prune removed under title, and the space
// it freed, as docker's prune commands do (go-units HumanSize: four
// significant digits).
func printPruneReport(w io.Writer, title string, removed []string, reclaimed int64) {
	if len(removed) > 0 {
		fmt.Fprintln(w, title)
		for _, name := range removed {
			fmt.Fprintln(w, name)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "Total reclaimed space:", units.HumanSize(float64(reclaimed)))
}

// volumeError words a volume error as docker's daemon does: "get NAME: no
// such volume", "remove NAME: volume is in use - [ID, ...]"; others are
// returned as they are.
func volumeError(ctx context.Context, rt *container.Runtime, op, name string, err error) error {
	switch {
	case errors.Is(err, container.ErrNotFound):
		return reworded{fmt.Sprintf("%s %s: no such volume", op, name), err}
	case errors.Is(err, container.ErrInUse):
		var users []string
		if v, verr := rt.Volume(ctx, name); verr == nil {
			users = v.UsedBy
		}
		return reworded{fmt.Sprintf("%s %s: volume is in use - [%s]", op, name, strings.Join(users, ", ")), err}
	}
	return err
}

// volumeLabelsFlag is a repeatable --label KEY[=VALUE], checked as docker checks
// labels while parsing flags.
type volumeLabelsFlag struct {
	list []string
	m    map[string]string
}

func (l *volumeLabelsFlag) String() string { return "[" + strings.Join(l.list, " ") + "]" }
func (l *volumeLabelsFlag) Type() string   { return "list" }

func (l *volumeLabelsFlag) Set(value string) error {
	key, val, _ := strings.Cut(value, "=")
	key = strings.TrimLeft(key, " \t\n\v\f\r")
	if key == "" {
		return fmt.Errorf("invalid label '%s': empty name", value)
	}
	if strings.ContainsAny(key, " \t\n\v\f\r") {
		return fmt.Errorf("label '%s' contains whitespaces", key)
	}
	if l.m == nil {
		l.m = map[string]string{}
	}
	l.list = append(l.list, value)
	l.m[key] = val
	return nil
}

// volumeFiltersFlag is a repeatable --filter KEY=VALUE, checked as docker checks
// filters while parsing flags.
type volumeFiltersFlag []string

func (f *volumeFiltersFlag) String() string { return "" }
func (f *volumeFiltersFlag) Type() string   { return "filter" }

func (f *volumeFiltersFlag) Set(value string) error {
	key, _, ok := strings.Cut(value, "=")
	if !ok || strings.TrimSpace(key) == "" {
		return errors.New("bad format of filter (expected name=value)")
	}
	*f = append(*f, value)
	return nil
}

// naturalLess orders strings as people do, numbers by value: "vol2" before
// "vol10" (docker sorts volume names so).
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		ca, cb := a[0], b[0]
		if isASCIIDigit(ca) && isASCIIDigit(cb) {
			na, ra := splitDigits(a)
			nb, rb := splitDigits(b)
			ta, tb := strings.TrimLeft(na, "0"), strings.TrimLeft(nb, "0")
			if len(ta) != len(tb) {
				return len(ta) < len(tb)
			}
			if ta != tb {
				return ta < tb
			}
			if len(na) != len(nb) {
				return len(na) < len(nb) // fewer leading zeros first
			}
			a, b = ra, rb
			continue
		}
		if ca != cb {
			return ca < cb
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }

// splitDigits splits s after its leading run of digits.
func splitDigits(s string) (digits, rest string) {
	i := 0
	for i < len(s) && isASCIIDigit(s[i]) {
		i++
	}
	return s[:i], s[i:]
}
