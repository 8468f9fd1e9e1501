package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	"github.com/containerd/cgroups/v3/cgroup1"
	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// v1Controllers are the hierarchies a container's group is made in: the
// ones whose limits or statistics berth uses (freezer, devices and the
// rest are left alone; see the package documentation). Memory comes
// first for remove's sake.
var v1Controllers = []cgroup1.Name{
	cgroup1.Memory, cgroup1.Pids, cgroup1.Cpu, cgroup1.Cpuacct, cgroup1.Cpuset, cgroup1.Blkio,
}

// v1Host is what berth knows of the host's cgroup v1 hierarchies: where
// they are mounted, which of v1Controllers exist, what they can limit.
// It does not change while the process runs, so it is probed once.
type v1Host struct {
	root       string // directory holding one mount per controller, e.g. /sys/fs/cgroup
	subsystems []cgroup1.Subsystem
	caps       capabilities
}

var probeV1Once = sync.OnceValues(probeV1)

func probeV1() (*v1Host, error) {
	root, err := v1Root()
	if err != nil {
		return nil, err
	}
	// Like containerd's cgroup1.Default: every controller is mounted in
	// one directory, under its own name (comounted ones through symlinks
	// such as cpu -> cpu,cpuacct).
	h := &v1Host{root: root}
	exists := func(parts ...string) bool {
		_, err := os.Lstat(filepath.Join(append([]string{h.root}, parts...)...))
		return err == nil
	}
	for _, name := range v1Controllers {
		if !exists(string(name)) {
			continue
		}
		var s cgroup1.Subsystem
		switch name {
		case cgroup1.Cpu:
			s = cgroup1.NewCpu(h.root)
		case cgroup1.Cpuacct:
			s = cgroup1.NewCpuacct(h.root)
		case cgroup1.Cpuset:
			s = cgroup1.NewCpuset(h.root)
		case cgroup1.Memory:
			// Swap and kernel memory statistics are optional: kernels
			// without swap accounting lack memory.memsw.*, recent ones
			// dropped memory.kmem.* limits.
			s = cgroup1.NewMemory(h.root, cgroup1.OptionalSwap(), cgroup1.IgnoreModules("kmem", "kmem.tcp"))
		case cgroup1.Pids:
			s = cgroup1.NewPids(h.root)
		case cgroup1.Blkio:
			s = cgroup1.NewBlkio(h.root)
		}
		h.subsystems = append(h.subsystems, s)
	}
	if len(h.subsystems) == 0 {
		return nil, fmt.Errorf("no cgroup v1 controller mounted under %s: %w", h.root, ErrNotSupported)
	}
	h.caps = capabilities{
		memory: exists("memory", "memory.limit_in_bytes"),
		swap:   exists("memory", "memory.memsw.limit_in_bytes"),
		cfs:    exists("cpu", "cpu.cfs_quota_us") && exists("cpu", "cpu.cfs_period_us"),
		shares: exists("cpu", "cpu.shares"),
		cpuset: exists("cpuset", "cpuset.cpus"),
		// pids.max and the blkio weights are not on the root: their
		// controller being there is what can be known before a group is
		// made. Which weight file a group gets (CFQ's or BFQ's) shows
		// only in the group; see setBlkioWeight.
		pids:        exists("pids"),
		blkioWeight: exists("blkio"),
	}
	return h, nil
}

// hierarchy hands containerd the controllers to work with: all of
// h.subsystems, but those named in skip.
func (h *v1Host) hierarchy(skip ...cgroup1.Name) cgroup1.InitOpts {
	subsystems := slices.DeleteFunc(slices.Clone(h.subsystems), func(s cgroup1.Subsystem) bool {
		return slices.Contains(skip, s.Name())
	})
	return cgroup1.WithHierarchy(func() ([]cgroup1.Subsystem, error) { return subsystems, nil })
}

// v1Skip lists the controllers of v1Controllers a group with l is not
// made in. A group outside the cpuset hierarchy runs on its parent's
// CPUs, as one inside would by default; making it there (copying the
// parent's lists in) is the dearest part of New, so it is done only for a
// group pinned to some.
func v1Skip(l limits) []cgroup1.Name {
	if l.cpusetCpus == "" && l.cpusetMems == "" {
		return []cgroup1.Name{cgroup1.Cpuset}
	}
	return nil
}

// v1Spec writes l in the form containerd's cgroup1 applies, but for
// the blkio weight: containerd writes blkio.weight only, which BFQ does
// not offer, so setBlkioWeight writes it.
func v1Spec(l limits) *specs.LinuxResources {
	var spec specs.LinuxResources
	if l.memory > 0 {
		spec.Memory = &specs.LinuxMemory{Limit: &l.memory}
		if l.memorySwap > 0 {
			spec.Memory.Swap = &l.memorySwap
		}
	}
	if l.cpuQuota > 0 || l.cpuShares > 0 || l.cpusetCpus != "" || l.cpusetMems != "" {
		spec.CPU = &specs.LinuxCPU{Cpus: l.cpusetCpus, Mems: l.cpusetMems}
		if l.cpuQuota > 0 {
			period := uint64(cfsPeriod)
			spec.CPU.Quota, spec.CPU.Period = &l.cpuQuota, &period
		}
		if l.cpuShares > 0 {
			spec.CPU.Shares = &l.cpuShares
		}
	}
	if l.pids > 0 {
		spec.Pids = &specs.LinuxPids{Limit: &l.pids}
	}
	return &spec
}

// v1Group is a group made of one directory per controller hierarchy.
type v1Group struct {
	host *v1Host
	path string
	cg   cgroup1.Cgroup
}

func newV1(path string, r Resources) (*Cgroup, error) {
	host, err := probeV1Once()
	if err != nil {
		return nil, err
	}
	l, warnings, err := r.resolve(host.caps)
	if err != nil {
		return nil, err
	}
	cg, err := cgroup1.New(cgroup1.StaticPath(path), v1Spec(l), host.hierarchy(v1Skip(l)...))
	if err != nil {
		// New stops at the first controller that fails and leaves the
		// directories it made.
		_ = (&v1Group{host: host, path: path}).remove()
		return nil, err
	}
	g := &v1Group{host: host, path: path, cg: cg}
	if l.blkioWeight > 0 {
		set, err := g.setBlkioWeight(l.blkioWeight)
		if err != nil {
			_ = g.remove()
			return nil, err
		}
		if !set {
			warnings = append(warnings, warnBlkio)
		}
	}
	return &Cgroup{path: path, version: 1, group: g, warnings: warnings}, nil
}

// setBlkioWeight writes the weight where the group's I/O scheduler takes
// it, as runc does: blkio.bfq.weight (BFQ), else blkio.weight (CFQ,
// kernels before 5.0). It reports false when the group has neither.
func (g *v1Group) setBlkioWeight(weight uint16) (bool, error) {
	dir := filepath.Join(g.host.root, string(cgroup1.Blkio), g.path)
	for _, name := range []string{"blkio.bfq.weight", "blkio.weight"} {
		err := writeControlFile(filepath.Join(dir, name), strconv.Itoa(int(weight)))
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return false, err
		}
	}
	return false, nil
}

func loadV1(path string) (*Cgroup, error) {
	host, err := probeV1Once()
	if err != nil {
		return nil, err
	}
	cg, err := cgroup1.Load(cgroup1.StaticPath(path), host.hierarchy())
	if err != nil {
		return nil, v1Error(err)
	}
	return &Cgroup{path: path, version: 1, group: &v1Group{host: host, path: path, cg: cg}}, nil
}

// existsV1 reports whether path has a directory in any controller.
func existsV1(path string) (bool, error) {
	host, err := probeV1Once()
	if err != nil {
		return false, err
	}
	for _, s := range host.subsystems {
		if _, err := os.Lstat(v1Dir(s, path)); err == nil {
			return true, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return false, err
		}
	}
	return false, nil
}

// listV1 returns the names of the groups directly below parent, in any
// controller.
func listV1(parent string) ([]string, error) {
	host, err := probeV1Once()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, s := range host.subsystems {
		n, err := childDirs(v1Dir(s, parent))
		if err != nil {
			return nil, err
		}
		names = append(names, n...)
	}
	return names, nil
}

func v1Dir(s cgroup1.Subsystem, path string) string {
	return s.(interface{ Path(string) string }).Path(path)
}

// v1Error maps containerd's "deleted" to ErrNotFound.
func v1Error(err error) error {
	if errors.Is(err, cgroup1.ErrCgroupDeleted) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

func (g *v1Group) add(pid int) error {
	return v1Error(g.cg.AddProc(uint64(pid)))
}

// procs reads cgroup.procs in every controller: a process Add could move
// into only some of them (it vanished half-way) is still found.
func (g *v1Group) procs() ([]int, error) {
	var (
		pids []int
		err  error
	)
	for _, s := range g.host.subsystems {
		if pids, err = readProcs(v1Dir(s, g.path), pids); err != nil {
			return nil, err
		}
	}
	return pids, nil
}

func (g *v1Group) kill(pids []int) error {
	return killPids(pids)
}

func (g *v1Group) stats(s *Stats) error {
	// containerd skips files that are missing: tell a deleted group apart
	// first.
	subsystems := g.cg.Subsystems()
	if len(subsystems) == 0 {
		return fmt.Errorf("group in no hierarchy: %w", ErrNotFound)
	}
	if _, err := os.Lstat(v1Dir(subsystems[0], g.path)); err != nil {
		return err
	}
	m, err := g.cg.Stat(cgroup1.IgnoreNotExist)
	if err != nil {
		return v1Error(err)
	}
	if u := m.GetCPU().GetUsage(); u != nil {
		s.CPU.TotalUsage = u.Total
		s.CPU.PerCPUUsage = u.PerCPU
		s.CPU.UsageInUsermode = u.User
		s.CPU.UsageInKernelmode = u.Kernel
	}
	if mem := m.GetMemory(); mem != nil {
		s.Memory.Usage = mem.GetUsage().GetUsage()
		s.Memory.Limit = mem.GetUsage().GetLimit()
		s.Memory.Cache = mem.TotalCache
		s.Memory.InactiveFile = mem.TotalInactiveFile
	}
	if p := m.GetPids(); p != nil {
		s.Pids = PidsStats{Current: p.Current, Limit: p.Limit}
	}
	for _, e := range m.GetBlkio().GetIoServiceBytesRecursive() {
		switch e.Op {
		case "Read":
			s.Blkio.ReadBytes += e.Value
		case "Write":
			s.Blkio.WriteBytes += e.Value
		}
	}
	return nil
}

func (g *v1Group) oomKilled() (bool, error) {
	for _, s := range g.host.subsystems {
		if s.Name() == cgroup1.Memory {
			return readOOMKill(filepath.Join(v1Dir(s, g.path), "memory.oom_control"))
		}
	}
	return false, nil // no memory controller: no memory limit to be killed by
}

// remove removes the group's directory in each hierarchy, memory first:
// if processes are left, the first rmdir fails and no hierarchy has lost
// its part of the group.
func (g *v1Group) remove() error {
	for _, s := range g.host.subsystems {
		if err := removeDir(v1Dir(s, g.path)); err != nil {
			return err
		}
	}
	return nil
}

// v1Root returns the directory the v1 hierarchies are mounted in:
// /sys/fs/cgroup when its memory or cpu directory is a cgroup filesystem
// (one statfs, where parsing the mount table costs every program that
// touches a cgroup 0.2 ms), else the parent of the first cgroup mount.
func v1Root() (string, error) {
	for _, c := range []string{"memory", "cpu", "pids"} {
		var st unix.Statfs_t
		if unix.Statfs(filepath.Join(unifiedMountpoint, c), &st) == nil && st.Type == unix.CGROUP_SUPER_MAGIC {
			return unifiedMountpoint, nil
		}
	}
	mounts, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("cgroup"))
	if err != nil {
		return "", fmt.Errorf("find cgroup v1 mounts: %w", err)
	}
	if len(mounts) == 0 {
		return "", fmt.Errorf("find cgroup v1 mounts: none: %w", ErrNotSupported)
	}
	return filepath.Dir(mounts[0].Mountpoint), nil
}
