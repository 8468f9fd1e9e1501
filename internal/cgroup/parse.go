package cgroup

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// clockTicksPerSecond is USER_HZ, the unit of /proc/stat: fixed at 100
// by the kernel's ABI on every architecture Linux supports.
const clockTicksPerSecond = 100

// parseProcStat reads /proc/stat as Docker's stats collector does: the
// host's CPU time is the sum of the first seven fields of the "cpu" line
// (user, nice, system, idle, iowait, irq, softirq), converted to
// nanoseconds; online CPUs are the "cpuN" lines.
func parseProcStat(r io.Reader) (systemUsage uint64, onlineCPUs uint32, err error) {
	sc := bufio.NewScanner(r)
	sawTotal := false
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || !strings.HasPrefix(fields[0], "cpu") {
			continue
		}
		if fields[0] != "cpu" {
			if _, err := strconv.ParseUint(fields[0][len("cpu"):], 10, 32); err == nil {
				onlineCPUs++
			}
			continue
		}
		if len(fields) < 8 {
			return 0, 0, fmt.Errorf("parse /proc/stat: %d fields on the cpu line, want at least 8", len(fields))
		}
		var ticks uint64
		for _, f := range fields[1:8] {
			v, err := strconv.ParseUint(f, 10, 64)
			if err != nil {
				return 0, 0, fmt.Errorf("parse /proc/stat cpu line: %w", err)
			}
			ticks += v
		}
		systemUsage = ticks * (1e9 / clockTicksPerSecond)
		sawTotal = true
	}
	if err := sc.Err(); err != nil {
		return 0, 0, fmt.Errorf("read /proc/stat: %w", err)
	}
	if !sawTotal {
		return 0, 0, fmt.Errorf("parse /proc/stat: no cpu line")
	}
	return systemUsage, onlineCPUs, nil
}

// parseFlatKeyed reads a cgroup "flat keyed" file: one "key value" pair
// per line, values unsigned (memory.oom_control, memory.events,
// cgroup.events).
func parseFlatKeyed(r io.Reader) (map[string]uint64, error) {
	out := map[string]uint64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("malformed line %q: want \"key value\"", line)
		}
		v, err := strconv.ParseUint(fields[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("malformed line %q: %w", line, err)
		}
		out[fields[0]] = v
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// parseHierarchies reads /proc/<pid>/cgroup and returns, for each v1
// controller, the controllers of its hierarchy as mount(2) names them
// ("cpu,cpuacct" for cpu and for cpuacct when they are mounted together).
// Named hierarchies (name=systemd) and the unified one ("0::/...") are
// left out: no controller lives there.
func parseHierarchies(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("parse cgroup membership: line %q: want id:controllers:path", line)
		}
		if parts[1] == "" {
			continue // the unified hierarchy
		}
		var controllers []string
		for _, c := range strings.Split(parts[1], ",") {
			if c != "" && !strings.HasPrefix(c, "name=") {
				controllers = append(controllers, c)
			}
		}
		for _, c := range controllers {
			out[c] = strings.Join(controllers, ",")
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("parse cgroup membership: %w", err)
	}
	return out, nil
}
