package container

import (
	"fmt"
	"slices"
	"strings"

	"github.com/berth-dev/berth/image"
)

// defaultPath is the PATH a container gets when neither the image nor the
// config sets one (Docker's).
const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// command applies Docker's ENTRYPOINT/CMD rules: a config Entrypoint (even
// empty) replaces the image's and clears the image's Cmd; a config Cmd
// replaces the image's. The result is the entrypoint followed by the cmd.
func command(cfg Config, img image.RunConfig) ([]string, error) {
	entrypoint, cmd := img.Entrypoint, img.Cmd
	if cfg.Entrypoint != nil {
		entrypoint, cmd = cfg.Entrypoint, nil
	}
	if cfg.Cmd != nil {
		cmd = cfg.Cmd
	}
	args := append(slices.Clone(entrypoint), cmd...)
	if len(args) == 0 || args[0] == "" {
		return nil, ErrNoCommand
	}
	return args, nil
}

// mergeEnv returns base with each of over's "KEY=value" entries replacing
// the entry of the same key, in order; new keys are appended. An entry of
// over without "=" removes the key.
func mergeEnv(base, over []string) []string {
	out := slices.Clone(base)
	for _, kv := range over {
		key, _, hasValue := strings.Cut(kv, "=")
		i := slices.IndexFunc(out, func(e string) bool { return envKey(e) == key })
		switch {
		case !hasValue && i >= 0:
			out = slices.Delete(out, i, i+1)
		case !hasValue:
		case i >= 0:
			out[i] = kv
		default:
			out = append(out, kv)
		}
	}
	return out
}

func envKey(kv string) string {
	k, _, _ := strings.Cut(kv, "=")
	return k
}

// containerEnv is the environment a container's process starts with:
// PATH (Docker's default when unset), HOSTNAME, the image's env, the
// config's env, and TERM=xterm with a TTY. HOME is added in the container
// from the user's passwd entry.
func containerEnv(cfg Config, img image.RunConfig, hostname string) []string {
	env := mergeEnv([]string{defaultPath, "HOSTNAME=" + hostname}, img.Env)
	if cfg.Tty {
		env = mergeEnv(env, []string{"TERM=xterm"})
	}
	return mergeEnv(env, cfg.Env)
}

func validateConfig(cfg Config) error {
	if cfg.Image == "" {
		return fmt.Errorf("no image given: %w", ErrInvalid)
	}
	if cfg.Name != "" {
		if err := ValidName(cfg.Name); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	if cfg.StopSignal != "" {
		if _, err := ParseSignal(cfg.StopSignal); err != nil {
			return err
		}
	}
	if cfg.StopTimeout != nil && *cfg.StopTimeout < -1 {
		return fmt.Errorf("invalid stop timeout %d: %w", *cfg.StopTimeout, ErrInvalid)
	}
	if cfg.ShmSize < 0 {
		return fmt.Errorf("invalid shm size %d: %w", cfg.ShmSize, ErrInvalid)
	}
	switch cfg.NetworkMode {
	case "", "none":
	default:
		return fmt.Errorf("network mode %q: only \"none\" is supported: %w", cfg.NetworkMode, ErrNotSupported)
	}
	if cfg.LogMaxSize < 0 || cfg.LogMaxFiles < 0 || (cfg.LogMaxFiles > 1 && cfg.LogMaxSize == 0) {
		return fmt.Errorf("invalid log rotation (max-size %d, max-file %d): %w", cfg.LogMaxSize, cfg.LogMaxFiles, ErrInvalid)
	}
	targets := map[string]bool{}
	for _, m := range cfg.Mounts {
		if err := m.Validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		if targets[m.Target] {
			return fmt.Errorf("duplicate mount point: %s: %w", m.Target, ErrInvalid)
		}
		targets[m.Target] = true
	}
	if err := cgroupResources(cfg.Resources).Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if _, err := capabilities(cfg); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

// volumesOf returns the config's mounts plus an anonymous volume for each
// image VOLUME no mount covers.
func volumesOf(cfg Config, img image.RunConfig) []resolvedMount {
	var out []resolvedMount
	covered := map[string]bool{}
	for _, m := range cfg.Mounts {
		out = append(out, resolvedMount{Mount: m, Anonymous: m.Type == MountVolume && m.Source == ""})
		covered[m.Target] = true
	}
	for _, v := range img.Volumes {
		if !covered[v] {
			out = append(out, resolvedMount{Mount: Mount{Type: MountVolume, Target: v}, Anonymous: true})
		}
	}
	return out
}
