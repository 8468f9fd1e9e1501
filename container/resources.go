package container

import (
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
