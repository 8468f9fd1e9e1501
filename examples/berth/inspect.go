//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"text/template"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/container"
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

// What an inspect command looks up: docker inspect tries containers, then
// images; docker container inspect and docker image inspect one kind.
const (
	inspectAnything   = ""
	inspectContainers = "container"
	inspectImages     = "image"
)

// newInspectCommand is docker inspect (kind inspectAnything, with --type),
// docker container inspect or docker image inspect.
func newInspectCommand(c *cli, kind string) *cobra.Command {
	var format, typ string
	var size bool
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] NAME|ID [NAME|ID...]",
		Short: "Return low-level information on containers or images",
		Long: `Display detailed information on containers or images as a JSON array, or
render each with a Go template (--format '{{.State.Status}}'). A name is
looked up among containers first, then images, unless --type says which.
Objects that exist are shown even when others are missing; the exit status
is then 1.

Templates see the object's fields as the JSON shows them; a field the JSON
names differently from Go (such as .Id) is found in the JSON.

-s adds a container's SizeRw (its writable layer) and SizeRootFs (all of
its files, the image's too), in bytes; measuring them walks the writable
layer.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			want := kind
			if kind == inspectAnything {
				switch typ {
				case inspectAnything, inspectContainers, inspectImages:
					want = typ
				default:
					return fmt.Errorf("%q is not a valid value for --type", typ)
				}
			}
			var tmpl *template.Template
			if format != "" {
				rf, err := parseRowFormat(format, "")
				if err != nil {
					return err
				}
				tmpl = rf.template
			}
			found := []any{}
			var errs []error
			for _, arg := range args {
				obj, err := c.inspectObject(ctx, want, arg, size)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				found = append(found, obj)
			}
			if tmpl != nil {
				for _, obj := range found {
					out, err := executeInspectTemplate(tmpl, obj)
					if err != nil {
						return err
					}
					fmt.Fprintln(c.stdout, out)
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
	switch kind {
	case inspectContainers:
		cmd.Use = "inspect [OPTIONS] CONTAINER [CONTAINER...]"
		cmd.Short = "Display detailed information on one or more containers"
	case inspectImages:
		cmd.Use = "inspect [OPTIONS] IMAGE [IMAGE...]"
		cmd.Short = "Display detailed information on one or more images"
	default:
		cmd.Flags().StringVar(&typ, "type", "", "Only inspect objects of the given type (container or image)")
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "Format output using a custom template")
	if kind != inspectImages {
		cmd.Flags().BoolVarP(&size, "size", "s", false, "Display total file sizes if the type is container")
	}
	return cmd
}

// inspectObject finds arg as kind and returns what inspect shows of it;
// a container's sizes too when size is set.
func (c *cli) inspectObject(ctx context.Context, kind, arg string, size bool) (any, error) {
	var store *image.Store // the runtime's, when it is open
	if kind != inspectImages {
		// Without a container runtime (not root, an old kernel) there are
		// no containers, and plain inspect still finds images.
		rt, err := c.runtime(ctx)
		if err != nil && kind == inspectContainers {
			return nil, err
		}
		if err == nil {
			obj, err := c.inspectContainer(ctx, rt, arg, size)
			switch {
			case err == nil:
				return obj, nil
			case kind == inspectContainers || !errors.Is(err, container.ErrNotFound):
				return nil, err
			}
			store = rt.Images()
		}
	}
	if store == nil {
		var err error
		if store, err = c.imageStore(ctx); err != nil {
			return nil, err
		}
	}
	img, err := store.Get(ctx, arg)
	if err != nil {
		if errors.Is(err, image.ErrNotFound) {
			what := "image"
			if kind == inspectAnything {
				what = "object"
			}
			err = fmt.Errorf("no such %s: %s: %w", what, arg, err)
		}
		return nil, err
	}
	return newInspectImage(img), nil
}

// executeInspectTemplate renders obj, or, when the template needs a name
// only its JSON has (.Id), obj as the JSON decodes: docker's fallback.
func executeInspectTemplate(tmpl *template.Template, obj any) (string, error) {
	var buf bytes.Buffer
	err := tmpl.Execute(&buf, obj)
	if err == nil {
		return buf.String(), nil
	}
	raw, merr := json.Marshal(obj)
	if merr != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	var generic map[string]any
	if json.Unmarshal(raw, &generic) != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	buf.Reset()
	if rerr := tmpl.Execute(&buf, generic); rerr != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	return buf.String(), nil
}

// inspectContainerInfo is docker container inspect's JSON object, as far
// as berth has its fields.
type inspectContainerInfo struct {
	ID              string `json:"Id"`
	Created         string
	Path            string
	Args            []string
	State           inspectState
	Image           string
	LogPath         string
	Name            string
	RestartCount    int
	Platform        string
	HostConfig      inspectHostConfig
	SizeRw          *int64 `json:",omitempty"`
	SizeRootFs      *int64 `json:",omitempty"`
	Mounts          []inspectMount
	Config          inspectContainerConfig
	NetworkSettings inspectNetworkSettings
}

type inspectState struct {
	Status     string
	Running    bool
	Paused     bool
	Restarting bool
	OOMKilled  bool
	Dead       bool
	Pid        int
	ExitCode   int
	Error      string
	StartedAt  string
	FinishedAt string
}

type inspectHostConfig struct {
	LogConfig      inspectLogConfig
	NetworkMode    string
	AutoRemove     bool
	CapAdd         []string
	CapDrop        []string
	Privileged     bool
	ReadonlyRootfs bool
	ShmSize        int64
	Memory         int64
	MemorySwap     int64
	NanoCpus       int64
	CpuShares      int64
	CpusetCpus     string
	CpusetMems     string
	PidsLimit      *int64
	BlkioWeight    uint16
}

type inspectLogConfig struct {
	Type   string
	Config map[string]string
}

type inspectMount struct {
	Type        string
	Name        string `json:",omitempty"`
	Source      string
	Destination string
	Driver      string `json:",omitempty"`
	Mode        string
	RW          bool
	Propagation string
}

type inspectContainerConfig struct {
	Hostname    string
	Domainname  string
	User        string
	Tty         bool
	OpenStdin   bool
	Env         []string
	Cmd         []string
	Image       string
	WorkingDir  string
	Entrypoint  []string
	Labels      map[string]string
	StopSignal  string `json:",omitempty"`
	StopTimeout *int   `json:",omitempty"`
}

type inspectNetworkSettings struct {
	IPAddress  string
	Gateway    string
	MacAddress string
	Networks   map[string]inspectEndpoint
}

type inspectEndpoint struct {
	IPAddress  string
	Gateway    string
	MacAddress string
}

// inspectContainer looks arg up as a container.
func (c *cli) inspectContainer(ctx context.Context, rt *container.Runtime, arg string, size bool) (inspectContainerInfo, error) {
	ctr, err := rt.Get(ctx, arg)
	if err != nil {
		return inspectContainerInfo{}, err
	}
	info, err := ctr.Inspect(ctx)
	if err != nil {
		return inspectContainerInfo{}, err
	}
	img, _ := rt.Images().Get(ctx, info.Image)
	obj := newInspectContainer(info, img)
	if size {
		sz, err := ctr.Size(ctx)
		if err != nil {
			return inspectContainerInfo{}, err
		}
		obj.SizeRw, obj.SizeRootFs = &sz.RW, &sz.RootFS
	}
	return obj, nil
}

// newInspectContainer renders info as docker does. img, the container's
// image (nil if unknown), gives the entrypoint, command and labels the
// container inherits from it.
func newInspectContainer(info *container.Info, img *image.Image) inspectContainerInfo {
	cfg := info.Config
	timestamp := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
	network := cfg.NetworkMode
	if network == "" {
		network = defaultNetworkMode
	}
	logConfig := map[string]string{}
	if cfg.LogMaxSize > 0 {
		logConfig["max-size"] = strconv.FormatInt(cfg.LogMaxSize, 10)
	}
	if cfg.LogMaxFiles > 0 {
		logConfig["max-file"] = strconv.Itoa(cfg.LogMaxFiles)
	}
	var pidsLimit *int64
	if cfg.Resources.PidsLimit != 0 {
		limit := cfg.Resources.PidsLimit
		pidsLimit = &limit
	}
	mounts := make([]inspectMount, 0, len(info.Mounts))
	for _, m := range info.Mounts {
		im := inspectMount{Type: string(m.Type), Name: m.Name, Source: m.Source, Destination: m.Destination, RW: m.RW}
		switch m.Type {
		case container.MountVolume:
			im.Driver = "local"
		case container.MountBind:
			im.Propagation = "rprivate"
		}
		mounts = append(mounts, im)
	}
	// The image's entrypoint and command unless the container replaced
	// them; a new entrypoint drops the image's command (docker's rule).
	var entrypoint, cmd []string
	labels := map[string]string{}
	if img != nil {
		entrypoint, cmd = img.Config.Entrypoint, img.Config.Cmd
		for k, v := range img.Config.Labels {
			labels[k] = v
		}
	}
	if cfg.Entrypoint != nil {
		entrypoint, cmd = cfg.Entrypoint, nil
	}
	if cfg.Cmd != nil {
		cmd = cfg.Cmd
	}
	if img == nil && cfg.Entrypoint == nil && cfg.Cmd == nil {
		cmd = append([]string{info.Path}, info.Args...)
	}
	for k, v := range cfg.Labels {
		labels[k] = v
	}
	st := info.State
	return inspectContainerInfo{
		ID:      info.ID,
		Created: timestamp(info.Created),
		Path:    info.Path,
		Args:    nonNilStrings(info.Args),
		State: inspectState{
			Status: string(st.Status), Running: st.Running, OOMKilled: st.OOMKilled, Dead: st.Dead,
			Pid: st.Pid, ExitCode: st.ExitCode, Error: st.Error,
			StartedAt: timestamp(st.StartedAt), FinishedAt: timestamp(st.FinishedAt),
		},
		Image:    info.Image,
		LogPath:  info.LogPath,
		Name:     info.Name,
		Platform: "linux",
		HostConfig: inspectHostConfig{
			LogConfig:      inspectLogConfig{Type: "json-file", Config: logConfig},
			NetworkMode:    network,
			AutoRemove:     cfg.AutoRemove,
			CapAdd:         cfg.CapAdd,
			CapDrop:        cfg.CapDrop,
			Privileged:     cfg.Privileged,
			ReadonlyRootfs: cfg.ReadonlyRootfs,
			ShmSize:        cfg.ShmSize,
			Memory:         cfg.Resources.Memory,
			MemorySwap:     cfg.Resources.MemorySwap,
			NanoCpus:       cfg.Resources.NanoCPUs,
			CpuShares:      cfg.Resources.CPUShares,
			CpusetCpus:     cfg.Resources.CpusetCpus,
			CpusetMems:     cfg.Resources.CpusetMems,
			PidsLimit:      pidsLimit,
			BlkioWeight:    cfg.Resources.BlkioWeight,
		},
		Mounts: mounts,
		Config: inspectContainerConfig{
			Hostname:    info.Hostname,
			User:        info.User,
			Tty:         cfg.Tty,
			OpenStdin:   cfg.OpenStdin,
			Env:         info.Env,
			Cmd:         cmd,
			Image:       info.ImageRef,
			WorkingDir:  info.WorkingDir,
			Entrypoint:  entrypoint,
			Labels:      labels,
			StopSignal:  info.StopSignal,
			StopTimeout: cfg.StopTimeout,
		},
		NetworkSettings: inspectNetworkSettings{
			Networks: map[string]inspectEndpoint{network: {}},
		},
	}
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
