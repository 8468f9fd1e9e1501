//go:build linux

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/image"
)

// inspectImage is docker image inspect's JSON object.
type inspectImage struct {
	ID           string `json:"Id"`
	RepoTags     []string
	RepoDigests  []string
	Parent       string
	Comment      string
	Created      string
	Author       string
	Config       inspectConfig
	Architecture string
	Variant      string `json:",omitempty"`
	Os           string
	Size         int64
	RootFS       inspectRootFS
}

// inspectConfig is the runnable configuration, with docker's JSON shapes
// (ports and volumes as sets).
type inspectConfig struct {
	User         string
	ExposedPorts map[string]struct{} `json:",omitempty"`
	Env          []string
	Cmd          []string
	Healthcheck  *v1.HealthConfig `json:",omitempty"`
	Volumes      map[string]struct{}
	WorkingDir   string
	Entrypoint   []string
	Labels       map[string]string
	StopSignal   string `json:",omitempty"`
}

type inspectRootFS struct {
	Type   string
	Layers []string
}

func newInspectImage(img *image.Image) inspectImage {
	set := func(keys []string) map[string]struct{} {
		if len(keys) == 0 {
			return nil
		}
		m := make(map[string]struct{}, len(keys))
		for _, k := range keys {
			m[k] = struct{}{}
		}
		return m
	}
	nonNil := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	layers := make([]string, 0, len(img.Layers))
	for _, l := range img.Layers {
		layers = append(layers, l.DiffID.String())
	}
	var history v1.History
	if len(img.History) > 0 {
		history = img.History[len(img.History)-1]
	}
	return inspectImage{
		ID:           img.ID.String(),
		RepoTags:     nonNil(img.RepoTags),
		RepoDigests:  nonNil(img.RepoDigests),
		Comment:      history.Comment,
		Created:      img.Created.UTC().Format(time.RFC3339Nano),
		Author:       history.Author,
		Architecture: img.Architecture,
		Variant:      img.Variant,
		Os:           img.OS,
		Size:         img.Size,
		Config: inspectConfig{
			User:         img.Config.User,
			ExposedPorts: set(img.Config.ExposedPorts),
			Env:          img.Config.Env,
			Cmd:          img.Config.Cmd,
			Healthcheck:  img.Config.Healthcheck,
			Volumes:      set(img.Config.Volumes),
			WorkingDir:   img.Config.WorkingDir,
			Entrypoint:   img.Config.Entrypoint,
			Labels:       img.Config.Labels,
			StopSignal:   img.Config.StopSignal,
		},
		RootFS: inspectRootFS{Type: "layers", Layers: layers},
	}
}

func newInspectCommand(c *cli) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] IMAGE [IMAGE...]",
		Short: "Display detailed information on one or more images",
		Long: `Display detailed information on one or more images as a JSON array, or
render each with a Go template (--format '{{.Os}}/{{.Architecture}}').
Images that exist are shown even when others are missing; the exit status is
then 1.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var rf *rowFormat
			if format != "" {
				var err error
				if rf, err = parseRowFormat(format, ""); err != nil {
					return err
				}
			}
			store, err := c.imageStore(ctx)
			if err != nil {
				return err
			}
			found := []any{}
			var errs []error
			for _, arg := range args {
				img, err := store.Get(ctx, arg)
				if err != nil {
					if errors.Is(err, image.ErrNotFound) {
						err = fmt.Errorf("no such image: %s: %w", arg, err)
					}
					errs = append(errs, err)
					continue
				}
				found = append(found, newInspectImage(img))
			}
			if rf != nil {
				if err := rf.write(c.stdout, nil, found); err != nil {
					return err
				}
			} else {
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
