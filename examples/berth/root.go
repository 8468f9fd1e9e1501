//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berth-dev/berth/container"
	"github.com/berth-dev/berth/image"
	"github.com/berth-dev/berth/registryclient"
)

// defaultRoot is the image store's directory when neither --root nor
// $BERTH_ROOT names one.
const defaultRoot = "/var/lib/berth"

// dockerHub is the registry host that --registry-mirror applies to.
const dockerHub = "docker.io"

// cli holds one invocation's streams, global flags and the lazily opened
// registry client and store.
type cli struct {
	streams

	root             string
	dockerConfigDir  string
	registryMirrors  []string
	insecureRegistry []string

	registry *registryclient.Registry
	store    *image.Store
	rt       *container.Runtime
}

func newRootCommand(c *cli, args []string) *cobra.Command {
	root := &cobra.Command{
		Use:   "berth [OPTIONS] COMMAND",
		Short: "Images, registries and containers, docker-compatible, without a daemon",
		Long: `berth manages images, talks to registries and runs containers like the
docker CLI, with berth's Go packages doing the work in-process: no daemon, no
helper binaries. Containers need root.

Errors are printed as "Error: <message>". The exit status is 1 when a command
fails and 125 when the command line is wrong (unknown command or flag, wrong
number of arguments), as the docker CLI does for flag errors.`,
		Version:       version(),
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetOut(c.stdout)
	root.SetErr(c.stderr)
	root.SetIn(c.stdin)
	root.SetVersionTemplate("berth version {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })

	rootDefault := c.getenv("BERTH_ROOT")
	if rootDefault == "" {
		rootDefault = defaultRoot
	}
	flags := root.PersistentFlags()
	flags.StringVar(&c.root, "root", rootDefault, "Directory of images, containers and volumes (env BERTH_ROOT)")
	flags.StringVar(&c.dockerConfigDir, "config", "", "Location of client config files (default $DOCKER_CONFIG or ~/.docker)")
	stringArrayVar(flags, &c.registryMirrors, "registry-mirror", "", "Preferred Docker Hub mirror (repeatable)")
	stringArrayVar(flags, &c.insecureRegistry, "insecure-registry", "", "Registry host or CIDR reached over plain HTTP or unverified TLS (repeatable)")

	root.AddCommand(commands(c, commandName(flags, args))...)
	return root
}

// commands returns the top-level commands. Building all of them, with
// their flags, is a tenth of the CLI's start, so when name (commandName)
// is one top-level command only that one is built; anything else (a
// group, help, "", an unknown name) builds them all.
func commands(c *cli, name string) []*cobra.Command {
	leaves := []struct {
		name  string
		build func(*cli) *cobra.Command
	}{
		{"run", newRunCommand},
		{"create", newCreateCommand},
		{"start", newStartCommand},
		{"stop", newStopCommand},
		{"restart", newRestartCommand},
		{"kill", newKillCommand},
		{"rm", newRmCommand},
		{"ps", newPsCommand},
		{"logs", newLogsCommand},
		{"wait", newWaitCommand},
		{"exec", newExecCommand},
		{"attach", newAttachCommand},
		{"top", newTopCommand},
		{"stats", newStatsCommand},
		{"commit", newCommitCommand},
		{"export", newExportCommand},
		{"cp", newCpCommand},
		{"volume", newVolumeCommand},
		{"images", newImagesCommand},
		{"rmi", newRmiCommand},
		{"pull", newPullCommand},
		{"push", newPushCommand},
		{"tag", newTagCommand},
		{"history", newHistoryCommand},
		{"save", newSaveCommand},
		{"load", newLoadCommand},
		{"inspect", func(c *cli) *cobra.Command { return newInspectCommand(c, inspectAnything) }},
		{"search", newSearchCommand},
		{"login", newLoginCommand},
		{"logout", newLogoutCommand},
		{"version", newVersionCommand},
	}
	for _, l := range leaves {
		if l.name == name {
			return []*cobra.Command{l.build(c)}
		}
	}
	imageGroup := &cobra.Command{
		Use:   "image",
		Short: "Manage images",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	imageGroup.AddCommand(
		withUse(newImagesCommand(c), "ls [OPTIONS] [REPOSITORY[:TAG]]", "list"),
		withUse(newRmiCommand(c), "rm [OPTIONS] IMAGE [IMAGE...]", "remove"),
		newPullCommand(c),
		newPushCommand(c),
		newTagCommand(c),
		newHistoryCommand(c),
		newSaveCommand(c),
		newLoadCommand(c),
		newInspectCommand(c, inspectImages),
		newPruneCommand(c),
		newImageMountCommand(c),
		newImageUnmountCommand(c),
	)
	containerGroup := &cobra.Command{
		Use:   "container",
		Short: "Manage containers",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	containerGroup.AddCommand(
		newRunCommand(c),
		newCreateCommand(c),
		newStartCommand(c),
		newStopCommand(c),
		newRestartCommand(c),
		newKillCommand(c),
		withUse(newRmCommand(c), "rm [OPTIONS] CONTAINER [CONTAINER...]", "remove"),
		withUse(newPsCommand(c), "ls [OPTIONS]", "ps", "list"),
		newLogsCommand(c),
		newWaitCommand(c),
		newExecCommand(c),
		newAttachCommand(c),
		newInspectCommand(c, inspectContainers),
		newTopCommand(c),
		newStatsCommand(c),
		newCommitCommand(c),
		newExportCommand(c),
		newCpCommand(c),
		newContainerPruneCommand(c),
	)
	all := []*cobra.Command{imageGroup, containerGroup}
	for _, l := range leaves {
		all = append(all, l.build(c))
	}
	return all
}

// commandName is the first argument that is not one of the global flags
// (long form) or such a flag's value, or "" if another flag comes first.
func commandName(global *pflag.FlagSet, args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			return a
		}
		name, _, inline := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		f := global.Lookup(name)
		if !strings.HasPrefix(a, "--") || f == nil {
			return ""
		}
		if !inline && f.NoOptDefVal == "" {
			i++ // the flag's value
		}
	}
	return ""
}

// withUse renames a command (and sets its aliases) for its place in the
// "image" group or at the top level.
func withUse(cmd *cobra.Command, use string, aliases ...string) *cobra.Command {
	cmd.Use = use
	cmd.Aliases = aliases
	return cmd
}

// usageArgs marks argument-count errors as usage errors.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

func version() string {
	info, _ := debug.ReadBuildInfo()
	return versionOf(info)
}

// versionOf is the main module's version in info (nil: none), or "dev".
func versionOf(info *debug.BuildInfo) string {
	if info != nil && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

// configDir is the docker config directory: --config, $DOCKER_CONFIG, or
// ~/.docker, as the docker CLI chooses it.
func (c *cli) configDir() string {
	if c.dockerConfigDir != "" {
		return c.dockerConfigDir
	}
	if dir := c.getenv("DOCKER_CONFIG"); dir != "" {
		return dir
	}
	home := c.getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".docker")
}

// registryOptions merges <root>/registries.json with the flags.
func (c *cli) registryOptions() ([]registryclient.Option, error) {
	cfg, err := readRegistriesConfig(filepath.Join(c.root, registriesConfigFile))
	if err != nil {
		return nil, err
	}
	mirrors := map[string][]string{}
	for host, list := range cfg.Mirrors {
		mirrors[host] = append(mirrors[host], list...)
	}
	mirrors[dockerHub] = append(append(cfg.RegistryMirrors, mirrors[dockerHub]...), c.registryMirrors...)
	hosts := make([]string, 0, len(mirrors))
	for host := range mirrors {
		hosts = append(hosts, host)
	}
	sort.Strings(hosts)

	opts := []registryclient.Option{registryclient.WithDockerConfigDir(c.configDir())}
	for _, host := range hosts {
		if len(mirrors[host]) > 0 {
			opts = append(opts, registryclient.WithMirrors(host, mirrors[host]...))
		}
	}
	if insecure := append(cfg.InsecureRegistries, c.insecureRegistry...); len(insecure) > 0 {
		opts = append(opts, registryclient.WithInsecureRegistries(insecure...))
	}
	return opts, nil
}

// registryClient returns the registry client, creating it on first use.
func (c *cli) registryClient() (*registryclient.Registry, error) {
	if c.registry != nil {
		return c.registry, nil
	}
	opts, err := c.registryOptions()
	if err != nil {
		return nil, err
	}
	reg, err := registryclient.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("configure registries: %w", err)
	}
	c.registry = reg
	return reg, nil
}

// imageStore opens the store under --root on first use.
func (c *cli) imageStore(ctx context.Context) (*image.Store, error) {
	if c.store != nil {
		return c.store, nil
	}
	reg, err := c.registryClient()
	if err != nil {
		return nil, err
	}
	store, err := image.Open(ctx, c.root, image.WithRegistry(reg))
	if err != nil {
		return nil, fmt.Errorf("open image store %s: %w", c.root, err)
	}
	c.store = store
	return store, nil
}

// runtime opens the container runtime under --root on first use, sharing
// the image store.
func (c *cli) runtime(ctx context.Context) (*container.Runtime, error) {
	if c.rt != nil {
		return c.rt, nil
	}
	// The image store is shared when this command has opened it already
	// (pull, run); else the runtime opens its own when it needs one, and
	// exec, logs, ps or stop never do.
	var opts []container.Option
	if c.store != nil {
		opts = append(opts, container.WithImageStore(c.store))
	}
	rt, err := container.Open(ctx, c.root, opts...)
	if err != nil {
		return nil, fmt.Errorf("open container runtime %s: %w", c.root, err)
	}
	c.rt = rt
	return rt, nil
}

// close stops the containers this invocation started attached (they live
// as long as it does) and closes the stores.
func (c *cli) close() error {
	var errs []error
	if c.rt != nil {
		errs = append(errs, c.rt.Close())
		c.rt = nil
	}
	if c.store != nil {
		errs = append(errs, c.store.Close())
		c.store = nil
	}
	return errors.Join(errs...)
}

// eachArg runs fn for every argument, all of them even when some fail, and
// reports the failures together, as docker's multi-argument commands do.
func eachArg(args []string, fn func(arg string) error) error {
	var errs []error
	for _, arg := range args {
		if err := fn(arg); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
