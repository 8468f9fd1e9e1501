package cgroup

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// hostTopology reads what r's validation needs, and only that: Validate
// runs on every container start.
func hostTopology(r Resources) topology {
	var t topology
	if r.NanoCPUs != 0 {
		t.numCPU = numCPU()
	}
	if r.CpusetCpus != "" {
		t.cpus = firstReadable(cpusetFiles("cpus")...)
	}
	if r.CpusetMems != "" {
		t.mems = firstReadable(cpusetFiles("mems")...)
	}
	return t
}

// numCPU counts the CPUs this process may run on, as Docker's
// sysinfo.NumCPU does.
func numCPU() int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err == nil {
		return set.Count()
	}
	return runtime.NumCPU()
}

// cpusetFiles are where the CPUs ("cpus") or memory nodes ("mems") a
// container may be pinned to are listed, best first: the root cpuset of
// the host's cgroups, then sysfs's list of what is online.
func cpusetFiles(kind string) []string {
	var files []string
	switch version() {
	case 1:
		if h, err := probeV1Once(); err == nil {
			files = append(files, filepath.Join(h.root, "cpuset", "cpuset."+kind))
		}
	case 2:
		files = append(files, filepath.Join(unifiedMountpoint, "cpuset."+kind+".effective"))
	}
	if kind == "cpus" {
		return append(files, "/sys/devices/system/cpu/online")
	}
	return append(files, "/sys/devices/system/node/online")
}

// firstReadable returns the contents of the first file that can be read;
// "0" when none can (a host without NUMA sysfs has node 0 only).
func firstReadable(files ...string) string {
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil {
			return string(b)
		}
	}
	return "0"
}

// readHostStats adds the host's side of a sample: its CPU time and
// online CPUs from /proc/stat, and its memory as the limit of a group
// that has none.
func readHostStats(s *Stats) error {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return err
	}
	defer f.Close()
	if s.CPU.SystemUsage, s.CPU.OnlineCPUs, err = parseProcStat(f); err != nil {
		return err
	}
	var info unix.Sysinfo_t
	if err := unix.Sysinfo(&info); err != nil {
		return fmt.Errorf("sysinfo: %w", err)
	}
	total := uint64(info.Totalram) * uint64(info.Unit)
	if s.Memory.Limit == 0 || s.Memory.Limit > total {
		s.Memory.Limit = total
	}
	return nil
}
