//go:build linux

package container

import (
	"fmt"
	"slices"

	"github.com/berth-dev/berth/internal/capability"
	"github.com/berth-dev/berth/internal/cgroup"
)

func cgroupResources(r Resources) cgroup.Resources {
	return cgroup.Resources{
		Memory: r.Memory, MemorySwap: r.MemorySwap, NanoCPUs: r.NanoCPUs, CPUShares: r.CPUShares,
		CpusetCpus: r.CpusetCpus, CpusetMems: r.CpusetMems, PidsLimit: r.PidsLimit, BlkioWeight: r.BlkioWeight,
	}
}

// capabilities is the container's capability set: Docker's default, all
// when privileged, adjusted by CapAdd and CapDrop.
// Capabilities this program lacks itself are left out, as dockerd does:
// it cannot give what it does not have.
func capabilities(cfg Config) ([]string, error) {
	caps, err := capability.Resolve(cfg.Privileged, cfg.CapAdd, cfg.CapDrop)
	if err != nil {
		return nil, err
	}
	have, err := capability.Permitted()
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(caps, func(c string) bool { return !slices.Contains(have, c) }), nil
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
