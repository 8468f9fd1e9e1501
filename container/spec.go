package container

import (
	"slices"
	"strings"

	"github.com/berth-dev/berth/image"
)

// defaultPath is the PATH a container gets when neither the image nor the
// config sets one (Docker's).
const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// entrypointAndCmd applies Docker's ENTRYPOINT/CMD rules to an image's
// entrypoint and cmd: a config Entrypoint (even empty) replaces the
// image's and clears the image's Cmd; a config Cmd replaces the image's.
// The results are copies.
func entrypointAndCmd(cfg Config, entrypoint, cmd []string) ([]string, []string) {
	if cfg.Entrypoint != nil {
		entrypoint, cmd = cfg.Entrypoint, nil
	}
	if cfg.Cmd != nil {
		cmd = cfg.Cmd
	}
	return slices.Clone(entrypoint), slices.Clone(cmd)
}

// command is what a container runs: the entrypoint followed by the cmd,
// after entrypointAndCmd.
func command(cfg Config, img image.RunConfig) ([]string, error) {
	entrypoint, cmd := entrypointAndCmd(cfg, img.Entrypoint, img.Cmd)
	args := append(entrypoint, cmd...)
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
