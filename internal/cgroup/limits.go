package cgroup

import "fmt"

// capabilities are the limits the host's cgroups can enforce; each
// version's code finds them in its own files.
type capabilities struct {
	memory      bool // memory limit
	swap        bool // memory+swap limit (v1 memory.memsw.*, v2 memory.swap.max)
	cfs         bool // CFS bandwidth: quota and period
	shares      bool // relative CPU weight
	cpuset      bool
	pids        bool
	blkioWeight bool // v1 blkio.weight, v2 io.bfq.weight
}

// limits are the values to write into a new group, resolved from
// Resources: defaults applied, what the host cannot do dropped. Zero
// means "leave the kernel's default" (unlimited) for every field.
type limits struct {
	memory      int64  // bytes
	memorySwap  int64  // bytes of memory plus swap
	cpuQuota    int64  // µs of CPU time per cfsPeriod
	cpuShares   uint64 // v1 scale (2..262144)
	cpusetCpus  string // kernel list format
	cpusetMems  string
	pids        int64
	blkioWeight uint16 // 10..1000
}

// Docker's words for limits the kernel cannot enforce.
const (
	warnMemory = "Your kernel does not support memory limit capabilities or the cgroup is not mounted. Limitation discarded."
	warnSwap   = "Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap."
	warnShares = "Your kernel does not support CPU shares or the cgroup is not mounted. Shares discarded."
	warnCpuset = "Your kernel does not support cpuset or the cgroup is not mounted. Cpuset discarded."
	warnPids   = "Your kernel does not support PIDs limit capabilities or the cgroup is not mounted. PIDs limit discarded."
	warnBlkio  = "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded."
)

// resolve turns validated Resources into the limits to write on a host
// with capabilities c. What the host lacks is dropped with a warning, as
// Docker does; only a CPU quota without CFS bandwidth control is an error
// (ErrNotSupported), as in Docker.
func (r Resources) resolve(c capabilities) (limits, []string, error) {
	var (
		l        limits
		warnings []string
	)
	if r.Memory > 0 {
		if c.memory {
			l.memory = r.Memory
			switch {
			case r.MemorySwap == -1:
				// Unlimited swap is a new group's default.
			case !c.swap:
				warnings = append(warnings, warnSwap)
			case r.MemorySwap == 0:
				l.memorySwap = 2 * r.Memory
			default:
				l.memorySwap = r.MemorySwap
			}
		} else {
			warnings = append(warnings, warnMemory)
		}
	}
	if r.NanoCPUs > 0 {
		if !c.cfs {
			return limits{}, nil, fmt.Errorf("NanoCPUs can not be set, as your kernel does not support CPU CFS scheduler or the cgroup is not mounted: %w", ErrNotSupported)
		}
		l.cpuQuota = r.NanoCPUs * cfsPeriod / 1e9
	}
	if r.CPUShares > 0 {
		if c.shares {
			l.cpuShares = uint64(r.CPUShares)
		} else {
			warnings = append(warnings, warnShares)
		}
	}
	if r.CpusetCpus != "" || r.CpusetMems != "" {
		if c.cpuset {
			l.cpusetCpus, l.cpusetMems = r.CpusetCpus, r.CpusetMems
		} else {
			warnings = append(warnings, warnCpuset)
		}
	}
	if r.PidsLimit > 0 {
		if c.pids {
			l.pids = r.PidsLimit
		} else {
			warnings = append(warnings, warnPids)
		}
	}
	if r.BlkioWeight > 0 {
		if c.blkioWeight {
			l.blkioWeight = r.BlkioWeight
		} else {
			warnings = append(warnings, warnBlkio)
		}
	}
	return l, warnings, nil
}
