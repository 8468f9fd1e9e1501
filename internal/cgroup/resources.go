package cgroup

import "fmt"

// Resources are the limits of one container's group, in Docker's terms
// (the fields of docker run's flags and of the Engine API's HostConfig).
// The zero value limits nothing.
type Resources struct {
	// Memory is the memory limit in bytes (docker --memory); 0 is
	// unlimited, anything else must be at least 6MB.
	Memory int64
	// MemorySwap is memory plus swap in bytes (docker --memory-swap): -1
	// is unlimited swap, 0 with Memory set means twice Memory. Without
	// Memory only 0 and -1 are allowed.
	MemorySwap int64
	// NanoCPUs is CPU time in billionths of a CPU (docker --cpus × 1e9),
	// applied as a CFS quota over a 100ms period.
	NanoCPUs int64
	// CPUShares is the relative CPU weight (docker --cpu-shares, default
	// 1024); cgroup v2 converts it to cpu.weight as runc does.
	CPUShares int64
	// CpusetCpus and CpusetMems pin the group to CPUs and memory nodes,
	// in the kernel's list format ("0-1", "0,2").
	CpusetCpus string
	CpusetMems string
	// PidsLimit caps the number of tasks (processes and threads); 0 or
	// any negative value is unlimited.
	PidsLimit int64
	// BlkioWeight is the relative block I/O weight, 10 to 1000; 0 is
	// unset.
	BlkioWeight uint16
}

const (
	// minMemory is Docker's smallest memory limit (linuxMinMemory).
	minMemory = 6 * 1024 * 1024
	// cfsPeriod is the CFS period NanoCPUs are spread over, in µs.
	cfsPeriod = 100000
	// minNanoCPUs is 0.01 CPU: a quota of 1ms in cfsPeriod, the kernel's
	// smallest.
	minNanoCPUs = 1e9 / 100
)

// topology is what validation needs to know about the host: how many
// CPUs this process may run on, and which CPUs and memory nodes a cpuset
// may name. Validate reads it from the host; tests make it up.
type topology struct {
	numCPU int
	cpus   string // kernel list format, e.g. "0-3"
	mems   string
}

// Validate checks r the way Docker's daemon does before it creates a
// container, with Docker's messages: a memory limit below 6MB, a
// memory-swap below memory (or without memory), more CPUs than the host
// has, a cpuset naming CPUs or memory nodes the host lacks, a blkio
// weight outside 10..1000. The error is a *ValidationError wrapping
// ErrInvalid. It reads the host's CPU topology only when r asks for
// CPUs.
func (r Resources) Validate() error {
	return r.validate(hostTopology(r))
}

func (r Resources) validate(t topology) error {
	invalid := func(field, format string, args ...any) error {
		return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
	}
	if r.Memory != 0 && r.Memory < minMemory {
		return invalid("Memory", "Minimum memory limit allowed is 6MB")
	}
	if r.MemorySwap < -1 {
		return invalid("MemorySwap", "Invalid value %d for memory-swap, use -1 for unlimited swap", r.MemorySwap)
	}
	if r.Memory > 0 && r.MemorySwap > 0 && r.MemorySwap < r.Memory {
		return invalid("MemorySwap", "Minimum memoryswap limit should be larger than memory limit, see usage")
	}
	if r.Memory == 0 && r.MemorySwap > 0 {
		return invalid("MemorySwap", "You should always set the Memory limit when using Memoryswap limit, see usage")
	}
	// Docker leaves quotas under 1ms to the kernel, which refuses them
	// with a bare EINVAL; its message already names 0.01 as the floor.
	if r.NanoCPUs < 0 || (r.NanoCPUs > 0 && r.NanoCPUs < minNanoCPUs) || r.NanoCPUs > int64(t.numCPU)*1e9 {
		return invalid("NanoCPUs", "Range of CPUs is from 0.01 to %d.00, as there are only %d CPUs available", t.numCPU, t.numCPU)
	}
	if r.CPUShares < 0 {
		return invalid("CPUShares", "Invalid value %d for cpu-shares, it can not be negative", r.CPUShares)
	}
	if err := checkCpuset("CpusetCpus", "cpus", "CPUs", r.CpusetCpus, t.cpus); err != nil {
		return err
	}
	if err := checkCpuset("CpusetMems", "mems", "memory nodes", r.CpusetMems, t.mems); err != nil {
		return err
	}
	if r.BlkioWeight > 0 && (r.BlkioWeight < 10 || r.BlkioWeight > 1000) {
		return invalid("BlkioWeight", "Range of blkio weight is from 10 to 1000")
	}
	return nil
}

// checkCpuset checks that the requested list parses and names only
// members of the available one.
func checkCpuset(field, short, long, requested, available string) error {
	if requested == "" {
		return nil
	}
	want, err := parseIDList(requested)
	if err != nil {
		return &ValidationError{Field: field, Message: fmt.Sprintf("Invalid value %s for cpuset %s: %v", requested, short, err)}
	}
	have, err := parseIDList(available)
	if err != nil {
		// The host's own list did not parse: do not blame the caller.
		return nil
	}
	if !want.subsetOf(have) {
		return &ValidationError{Field: field, Message: fmt.Sprintf("Requested %s are not available - requested %s, available: %s", long, requested, available)}
	}
	return nil
}
