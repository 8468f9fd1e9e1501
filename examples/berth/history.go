//go:build linux

package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// historyRow is one row of docker history and the fields its --format sees.
type historyRow struct {
	ID           string
	CreatedSince string
	CreatedAt    string
	CreatedBy    string
	Size         string
	Comment      string
}

var historyHeader = map[string]string{
	"ID":           "IMAGE",
	"CreatedSince": "CREATED",
	"CreatedAt":    "CREATED AT",
	"CreatedBy":    "CREATED BY",
	"Size":         "SIZE",
	"Comment":      "COMMENT",
}

const (
	historyTableFormat = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
	historyQuietFormat = "{{.ID}}"
	// createdByWidth is where docker history cuts CREATED BY without --no-trunc.
	createdByWidth = 45
)

func newHistoryCommand(c *cli) *cobra.Command {
	var (
		quiet, noTrunc, human bool
		format                string
	)
	cmd := &cobra.Command{
		Use:   "history [OPTIONS] IMAGE",
		Short: "Show the history of an image",
		Long: `Show the history of an image, newest step first.

--format takes a Go template over .ID .CreatedSince .CreatedAt .CreatedBy .Size
.Comment, with the "table" prefix and "json" as in docker.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if quiet {
				format = historyQuietFormat
			}
			rf, err := parseRowFormat(format, historyTableFormat)
			if err != nil {
				return err
			}
			store, err := c.imageStore(ctx)
			if err != nil {
				return err
			}
			entries, err := store.History(ctx, args[0])
			if err != nil {
				return err
			}
			now := time.Now()
			rows := make([]any, 0, len(entries))
			for _, e := range entries {
				row := historyRow{
					ID:        e.ID,
					CreatedAt: e.Created.Local().Format(time.RFC3339),
					CreatedBy: strings.ReplaceAll(e.CreatedBy, "\t", " "),
					Comment:   e.Comment,
				}
				if !noTrunc && strings.HasPrefix(row.ID, "sha256:") {
					row.ID = shortID(row.ID)
				}
				if !noTrunc {
					row.CreatedBy = ellipsis(row.CreatedBy, createdByWidth)
				}
				if human {
					row.CreatedSince = createdSince(e.Created, now)
					row.Size = humanSize(e.Size)
				} else {
					row.CreatedSince = row.CreatedAt
					row.Size = strconv.FormatInt(e.Size, 10)
				}
				rows = append(rows, row)
			}
			return rf.write(c.stdout, historyHeader, rows)
		},
	}
	flags := cmd.Flags()
	flags.BoolVarP(&quiet, "quiet", "q", false, "Only show image IDs")
	flags.BoolVar(&noTrunc, "no-trunc", false, "Don't truncate output")
	flags.BoolVarP(&human, "human", "H", true, "Print sizes and dates in human readable format")
	flags.StringVar(&format, "format", "", "Format output using a custom template")
	return cmd
}
