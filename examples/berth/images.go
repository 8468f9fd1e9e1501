//go:build linux

package main

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/image"
	"github.com/berth-dev/berth/registryclient"
)

// none is what docker prints for a missing repository, tag or digest.
const none = "<none>"

// imageRow is one row of docker images and the fields its --format sees.
type imageRow struct {
	ID           string
	Repository   string
	Tag          string
	Digest       string
	CreatedSince string
	CreatedAt    string
	Size         string
}

var imageHeader = map[string]string{
	"ID":           "IMAGE ID",
	"Repository":   "REPOSITORY",
	"Tag":          "TAG",
	"Digest":       "DIGEST",
	"CreatedSince": "CREATED",
	"CreatedAt":    "CREATED AT",
	"Size":         "SIZE",
}

const (
	imagesTableFormat        = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
	imagesDigestsTableFormat = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
	imagesQuietFormat        = "{{.ID}}"
)

func newImagesCommand(c *cli) *cobra.Command {
	var (
		quiet, all, digests, noTrunc bool
		filters                      []string
		format                       string
	)
	cmd := &cobra.Command{
		Use:   "images [OPTIONS] [REPOSITORY[:TAG]]",
		Short: "List images",
		Long: `List images.

Filters (--filter key=value, repeatable): reference=PATTERN, dangling=true|false,
label=KEY or label=KEY=VALUE, before=IMAGE, since=IMAGE.

--format takes a Go template over .ID .Repository .Tag .Digest .CreatedSince
.CreatedAt .Size; prefix it with "table" for aligned columns with headers, or
use "json" (or {{json .}}) for one JSON object per line.`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			opts, err := parseImageFilters(filters)
			if err != nil {
				return err
			}
			opts.All = all
			if len(args) == 1 {
				opts.Reference = append(opts.Reference, args[0])
			}
			switch {
			case quiet:
				format = imagesQuietFormat
			case format == "" && digests:
				format = imagesDigestsTableFormat
			}
			rf, err := parseRowFormat(format, imagesTableFormat)
			if err != nil {
				return err
			}
			store, err := c.imageStore(ctx)
			if err != nil {
				return err
			}
			images, err := store.List(ctx, opts)
			if err != nil {
				return err
			}
			now := time.Now()
			var rows []any
			for _, img := range images {
				for _, row := range imageRows(img, digests, !noTrunc, now) {
					rows = append(rows, row)
				}
			}
			return rf.write(c.stdout, imageHeader, rows)
		},
	}
	flags := cmd.Flags()
	flags.BoolVarP(&quiet, "quiet", "q", false, "Only show image IDs")
	flags.BoolVarP(&all, "all", "a", false, "Show all images (default hides intermediate images)")
	flags.BoolVar(&digests, "digests", false, "Show digests")
	flags.BoolVar(&noTrunc, "no-trunc", false, "Don't truncate output")
	stringArrayVar(flags, &filters, "filter", "f", "Filter output based on conditions provided")
	flags.StringVar(&format, "format", "", "Format output using a custom template")
	return cmd
}

// parseImageFilters turns --filter key=value arguments into ListOptions.
func parseImageFilters(filters []string) (image.ListOptions, error) {
	var opts image.ListOptions
	for _, f := range filters {
		key, value, ok := strings.Cut(f, "=")
		if !ok {
			return image.ListOptions{}, fmt.Errorf("bad format of filter (expected name=value): %s", f)
		}
		switch key {
		case "reference":
			opts.Reference = append(opts.Reference, value)
		case "dangling":
			var dangling bool
			switch strings.ToLower(value) {
			case "true", "1":
				dangling = true
			case "false", "0":
			default:
				return image.ListOptions{}, fmt.Errorf("invalid filter 'dangling=%s'", value)
			}
			opts.Dangling = &dangling
		case "label":
			if opts.Labels == nil {
				opts.Labels = map[string]string{}
			}
			k, v, _ := strings.Cut(value, "=")
			opts.Labels[k] = v
		case "before":
			opts.Before = value
		case "since":
			opts.Since = value
		default:
			return image.ListOptions{}, fmt.Errorf("invalid filter '%s'", key)
		}
	}
	return opts, nil
}

// imageRows expands one image into docker's rows: one per repository and
// tag (times each digest of that repository when showing digests), then one
// per repository known only by digest, or a single <none> row.
func imageRows(img *image.Image, showDigests, trunc bool, now time.Time) []imageRow {
	id := img.ID.String()
	if trunc {
		id = shortID(id)
	}
	base := imageRow{
		ID:           id,
		CreatedSince: createdSince(img.Created, now),
		CreatedAt:    img.Created.Local().Format("2006-01-02 15:04:05 -0700 MST"),
		Size:         humanSize(img.Size),
	}
	row := func(repo, tag, digest string) imageRow {
		r := base
		r.Repository, r.Tag, r.Digest = repo, tag, digest
		return r
	}
	if len(img.RepoTags) == 0 && len(img.RepoDigests) == 0 {
		return []imageRow{row(none, none, none)}
	}

	tags := map[string][]string{}
	var tagRepos []string
	for _, s := range img.RepoTags {
		ref, err := registryclient.ParseReference(s)
		if err != nil {
			continue
		}
		t, ok := ref.(name.Tag)
		if !ok {
			continue
		}
		repo := familiarRepository(ref)
		if _, seen := tags[repo]; !seen {
			tagRepos = append(tagRepos, repo)
		}
		tags[repo] = append(tags[repo], t.TagStr())
	}
	digests := map[string][]string{}
	var digestRepos []string
	for _, s := range img.RepoDigests {
		ref, err := registryclient.ParseReference(s)
		if err != nil {
			continue
		}
		d, ok := ref.(name.Digest)
		if !ok {
			continue
		}
		repo := familiarRepository(ref)
		if _, seen := digests[repo]; !seen {
			digestRepos = append(digestRepos, repo)
		}
		digests[repo] = append(digests[repo], d.DigestStr())
	}
	sort.Strings(tagRepos)
	sort.Strings(digestRepos)

	var rows []imageRow
	for _, repo := range tagRepos {
		repoDigests := digests[repo]
		delete(digests, repo)
		if !showDigests {
			repoDigests = nil
		}
		for _, tag := range tags[repo] {
			if len(repoDigests) == 0 {
				rows = append(rows, row(repo, tag, none))
				continue
			}
			for _, d := range repoDigests {
				rows = append(rows, row(repo, tag, d))
			}
		}
	}
	for _, repo := range digestRepos {
		repoDigests, left := digests[repo]
		if !left {
			continue
		}
		if !showDigests {
			rows = append(rows, row(repo, none, none))
			continue
		}
		for _, d := range repoDigests {
			rows = append(rows, row(repo, none, d))
		}
	}
	if len(rows) == 0 {
		return []imageRow{row(none, none, none)}
	}
	return rows
}

// familiarRepository is the repository part of ref as docker prints it:
// "busybox", "user/repo", "host:5000/repo".
func familiarRepository(ref name.Reference) string {
	familiar := registryclient.FamiliarName(ref)
	if i := strings.LastIndex(familiar, "@"); i >= 0 {
		return familiar[:i]
	}
	if i := strings.LastIndex(familiar, ":"); i > strings.LastIndex(familiar, "/") {
		return familiar[:i]
	}
	return familiar
}
