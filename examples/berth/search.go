//go:build linux

package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/registryclient"
)

// searchRow is one row of docker search and the fields its --format sees.
type searchRow struct {
	Name        string
	Description string
	StarCount   string
	IsOfficial  string
	IsAutomated string
}

var searchHeader = map[string]string{
	"Name":        "NAME",
	"Description": "DESCRIPTION",
	"StarCount":   "STARS",
	"IsOfficial":  "OFFICIAL",
	"IsAutomated": "AUTOMATED",
}

const (
	searchTableFormat = "table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}"
	// descriptionWidth is where docker search cuts descriptions without --no-trunc.
	descriptionWidth = 45
)

func newSearchCommand(c *cli) *cobra.Command {
	var (
		limit   int
		filters []string
		noTrunc bool
		format  string
	)
	cmd := &cobra.Command{
		Use:   "search [OPTIONS] TERM",
		Short: "Search for images",
		Long: `Search Docker Hub, or the registry named by the term ("host:5000/redis"),
for images. Registries without Docker Hub's search API are searched through
their catalog.

Filters: stars=N, is-official=true|false, is-automated=true|false.
--format takes a Go template over .Name .Description .StarCount .IsOfficial
.IsAutomated, with the "table" prefix and "json" as in docker.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			opts, err := parseSearchFilters(filters)
			if err != nil {
				return err
			}
			opts.Limit = limit
			rf, err := parseRowFormat(format, searchTableFormat)
			if err != nil {
				return err
			}
			reg, err := c.registryClient()
			if err != nil {
				return err
			}
			results, err := reg.Search(ctx, args[0], opts)
			if err != nil {
				return err
			}
			rows := make([]any, 0, len(results))
			for _, r := range results {
				row := searchRow{
					Name:        r.Name,
					Description: strings.ReplaceAll(r.Description, "\n", " "),
					StarCount:   strconv.Itoa(r.StarCount),
				}
				if !noTrunc {
					row.Description = ellipsis(row.Description, descriptionWidth)
				}
				if r.IsOfficial {
					row.IsOfficial = "[OK]"
				}
				if r.IsAutomated {
					row.IsAutomated = "[OK]"
				}
				rows = append(rows, row)
			}
			return rf.write(c.stdout, searchHeader, rows)
		},
	}
	flags := cmd.Flags()
	flags.IntVar(&limit, "limit", 0, "Max number of search results (default 25)")
	stringArrayVar(flags, &filters, "filter", "f", "Filter output based on conditions provided")
	flags.BoolVar(&noTrunc, "no-trunc", false, "Don't truncate output")
	flags.StringVar(&format, "format", "", "Pretty-print search using a Go template")
	return cmd
}

// parseSearchFilters turns --filter key=value arguments into SearchOptions.
func parseSearchFilters(filters []string) (registryclient.SearchOptions, error) {
	var opts registryclient.SearchOptions
	for _, f := range filters {
		key, value, ok := strings.Cut(f, "=")
		if !ok {
			return registryclient.SearchOptions{}, fmt.Errorf("bad format of filter (expected name=value): %s", f)
		}
		switch key {
		case "stars":
			stars, err := strconv.Atoi(value)
			if err != nil || stars < 0 {
				return registryclient.SearchOptions{}, fmt.Errorf("invalid filter 'stars=%s'", value)
			}
			opts.MinStars = stars
		case "is-official", "is-automated":
			b, err := strconv.ParseBool(value)
			if err != nil {
				return registryclient.SearchOptions{}, fmt.Errorf("invalid filter '%s=%s'", key, value)
			}
			if key == "is-official" {
				opts.IsOfficial = &b
			} else {
				opts.IsAutomated = &b
			}
		default:
			return registryclient.SearchOptions{}, fmt.Errorf("invalid filter '%s'", key)
		}
	}
	return opts, nil
}
