package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/containerd/cgroups/v3/cgroup2"
)

// unifiedMountpoint is where the unified hierarchy is mounted on a host
// in unified mode.
const unifiedMountpoint = "/sys/fs/cgroup"

// v2Group is a group in the unified hierarchy: one directory.
type v2Group struct {
	mgr *cgroup2.Manager
	dir string // absolute, below the mountpoint
}

// newV2 creates the group at path below mount and applies r. The
// controllers berth reads statistics from (cpu, memory, pids, io) are
// enabled whenever the root offers them, cpuset only when r asks for
// it: a group that enables cpuset gets its own copy of the parent's
// CPUs, which is work the kernel need not do otherwise.
func newV2(mount, path string, r Resources) (*Cgroup, error) {
	available, err := readControllers(filepath.Join(mount, "cgroup.controllers"))
	if err != nil {
		return nil, err
	}
	enable := &cgroup2.Resources{}
	if available["cpu"] {
		enable.CPU = &cgroup2.CPU{}
	}
	if available["memory"] {
		enable.Memory = &cgroup2.Memory{}
	}
	if available["pids"] {
		enable.Pids = &cgroup2.Pids{}
	}
	if available["io"] {
		enable.IO = &cgroup2.IO{}
	}
	mgr, err := cgroup2.NewManager(mount, path, enable)
	if err != nil {
		return nil, v2Error(err)
	}
	g := &v2Group{mgr: mgr, dir: filepath.Join(mount, path)}
	fail := func(err error) (*Cgroup, error) {
		_ = os.Remove(g.dir)
		return nil, err
	}
	if (r.CpusetCpus != "" || r.CpusetMems != "") && available["cpuset"] {
		if err := mgr.ToggleControllers([]string{"cpuset"}, cgroup2.Enable); err != nil {
			return fail(err)
		}
	}
	// What the group can limit shows in the files its controllers gave
	// it: memory.swap.max exists only with swap accounting, io.bfq.weight
	// only with the BFQ scheduler.
	l, warnings, err := r.resolve(g.capabilities())
	if err != nil {
		return fail(err)
	}
	if err := mgr.Update(v2Resources(l)); err != nil {
		return fail(err)
	}
	return &Cgroup{path: path, version: 2, group: g, warnings: warnings}, nil
}

func loadV2(mount, path string) (*Cgroup, error) {
	dir := filepath.Join(mount, path)
	if _, err := os.Lstat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %w", ErrNotFound, err)
		}
		return nil, err
	}
	mgr, err := cgroup2.Load(path, cgroup2.WithMountpoint(mount))
	if err != nil {
		return nil, v2Error(err)
	}
	return &Cgroup{path: path, version: 2, group: &v2Group{mgr: mgr, dir: dir}}, nil
}

// v2Resources writes l in the form containerd's cgroup2 applies.
// CPUShares become cpu.weight with runc's conversion (1024 → 100);
// memory+swap becomes swap alone; BlkioWeight goes unchanged to
// io.bfq.weight, whose range (1..1000) it shares.
func v2Resources(l limits) *cgroup2.Resources {
	var res cgroup2.Resources
	if l.memory > 0 {
		res.Memory = &cgroup2.Memory{Max: &l.memory}
		if l.memorySwap > 0 {
			swap := l.memorySwap - l.memory
			res.Memory.Swap = &swap
		}
	}
	if l.cpuQuota > 0 || l.cpuShares > 0 || l.cpusetCpus != "" || l.cpusetMems != "" {
		res.CPU = &cgroup2.CPU{Cpus: l.cpusetCpus, Mems: l.cpusetMems}
		if l.cpuQuota > 0 {
			period := uint64(cfsPeriod)
			res.CPU.Max = cgroup2.NewCPUMax(&l.cpuQuota, &period)
		}
		if l.cpuShares > 0 {
			weight := cgroup2.ConvertCPUSharesToCgroupV2Value(l.cpuShares)
			res.CPU.Weight = &weight
		}
	}
	if l.pids > 0 {
		res.Pids = &cgroup2.Pids{Max: l.pids}
	}
	if l.blkioWeight > 0 {
		res.IO = &cgroup2.IO{BFQ: cgroup2.BFQ{Weight: l.blkioWeight}}
	}
	return &res
}

func (g *v2Group) capabilities() capabilities {
	exists := func(name string) bool {
		_, err := os.Lstat(filepath.Join(g.dir, name))
		return err == nil
	}
	return capabilities{
		memory:      exists("memory.max"),
		swap:        exists("memory.swap.max"),
		cfs:         exists("cpu.max"),
		shares:      exists("cpu.weight"),
		cpuset:      exists("cpuset.cpus"),
		pids:        exists("pids.max"),
		blkioWeight: exists("io.bfq.weight"),
	}
}

// readControllers reads a cgroup.controllers file: the controllers a
// group may enable for its children.
func readControllers(file string) (map[string]bool, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, c := range strings.Fields(string(b)) {
		out[c] = true
	}
	return out, nil
}

// v2Error maps containerd's path refusal to ErrInvalid.
func v2Error(err error) error {
	if errors.Is(err, cgroup2.ErrInvalidGroupPath) {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return err
}

func (g *v2Group) add(pid int) error {
	return g.mgr.AddProc(uint64(pid))
}

func (g *v2Group) procs() ([]int, error) {
	return readProcs(g.dir, nil)
}

// kill writes cgroup.kill (Linux 5.14+), which kills the whole subtree
// at once, and falls back to signalling pids. (containerd's own Kill
// falls back to waiting for the processes, which would reap children of
// this process that their owner is waiting for.)
func (g *v2Group) kill(pids []int) error {
	err := writeControlFile(filepath.Join(g.dir, "cgroup.kill"), "1")
	if err == nil {
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return killPids(pids)
}

func (g *v2Group) stats(s *Stats) error {
	// containerd reads missing files as zeros: tell a deleted group
	// apart first.
	if _, err := os.Lstat(g.dir); err != nil {
		return err
	}
	m, err := g.mgr.StatFiltered(cgroup2.StatCPU | cgroup2.StatMemory | cgroup2.StatPids | cgroup2.StatIO)
	if err != nil {
		return err
	}
	if cpu := m.GetCPU(); cpu != nil {
		s.CPU.TotalUsage = cpu.UsageUsec * 1000
		s.CPU.UsageInUsermode = cpu.UserUsec * 1000
		s.CPU.UsageInKernelmode = cpu.SystemUsec * 1000
	}
	if mem := m.GetMemory(); mem != nil {
		s.Memory.Usage = mem.Usage
		s.Memory.Limit = unlimitedAsZero(mem.UsageLimit)
		s.Memory.Cache = mem.File
		s.Memory.InactiveFile = mem.InactiveFile
	}
	if p := m.GetPids(); p != nil {
		s.Pids = PidsStats{Current: p.Current, Limit: unlimitedAsZero(p.Limit)}
	}
	for _, e := range m.GetIo().GetUsage() {
		s.Blkio.ReadBytes += e.Rbytes
		s.Blkio.WriteBytes += e.Wbytes
	}
	return nil
}

// unlimitedAsZero maps containerd's reading of "max" to 0.
func unlimitedAsZero(v uint64) uint64 {
	if v == math.MaxUint64 {
		return 0
	}
	return v
}

func (g *v2Group) oomKilled() (bool, error) {
	return readOOMKill(filepath.Join(g.dir, "memory.events"))
}

func (g *v2Group) remove() error {
	return removeDir(g.dir)
}
