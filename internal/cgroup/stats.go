package cgroup

import "time"

// Stats is one sample of a group's resource use, with what `docker
// stats` needs to show it.
type Stats struct {
	Read   time.Time // when the sample was taken
	CPU    CPUStats
	Memory MemoryStats
	Pids   PidsStats
	Blkio  BlkioStats
}

// CPUStats are cumulative CPU times. CPU% needs two samples: see
// CPUPercent.
type CPUStats struct {
	TotalUsage        uint64   // ns of CPU time the group used
	PerCPUUsage       []uint64 // ns per CPU; cgroup v1 only (nil on v2)
	UsageInUsermode   uint64   // ns
	UsageInKernelmode uint64   // ns
	SystemUsage       uint64   // ns of CPU time the whole host spent, from /proc/stat
	OnlineCPUs        uint32   // CPUs listed in /proc/stat
}

// MemoryStats are in bytes.
type MemoryStats struct {
	Usage uint64 // charged to the group, page cache included
	// Limit is the group's limit, or the host's memory when the group has
	// none, as docker stats shows it.
	Limit        uint64
	Cache        uint64 // page cache: v1 total_cache, v2 file
	InactiveFile uint64 // v1 total_inactive_file, v2 inactive_file
}

// WorkingSet is Usage without inactive page cache, the figure `docker
// stats` shows as MEM USAGE.
func (m MemoryStats) WorkingSet() uint64 {
	if m.InactiveFile < m.Usage {
		return m.Usage - m.InactiveFile
	}
	return m.Usage
}

// PidsStats count tasks (processes and threads).
type PidsStats struct {
	Current uint64
	Limit   uint64 // 0 is unlimited
}

// BlkioStats are bytes read from and written to block devices, summed
// over devices.
type BlkioStats struct {
	ReadBytes  uint64
	WriteBytes uint64
}

// CPUPercent is the group's CPU use between two samples as `docker
// stats` computes it: 100% is one CPU fully busy, so a group may reach
// OnlineCPUs × 100%. It is 0 when either delta is not positive.
func CPUPercent(previous, current Stats) float64 {
	if current.CPU.TotalUsage <= previous.CPU.TotalUsage || current.CPU.SystemUsage <= previous.CPU.SystemUsage {
		return 0
	}
	cpuDelta := float64(current.CPU.TotalUsage - previous.CPU.TotalUsage)
	systemDelta := float64(current.CPU.SystemUsage - previous.CPU.SystemUsage)
	online := float64(current.CPU.OnlineCPUs)
	if online == 0 {
		online = float64(len(current.CPU.PerCPUUsage))
	}
	return cpuDelta / systemDelta * online * 100
}
