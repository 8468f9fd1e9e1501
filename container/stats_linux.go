package container

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/cgroup"
)

// Stats is one reading of a container's resource use, with the figures
// docker stats --no-stream prints, computed as docker computes them.
type Stats struct {
	Read time.Time // when the second sample was taken

	// CPUPercent is the container's share of the host's CPU time between
	// two samples statsInterval apart, scaled so that one busy CPU is
	// 100%: a container may reach OnlineCPUs × 100%.
	CPUPercent float64
	CPUUsage   uint64 // ns of CPU time used since the container started
	OnlineCPUs uint32

	// MemoryUsage is what docker shows as MEM USAGE: the cgroup's usage
	// without its inactive page cache.
	MemoryUsage uint64
	// MemoryLimit is the container's memory limit, or the host's memory
	// when it has none.
	MemoryLimit   uint64
	MemoryPercent float64 // MemoryUsage / MemoryLimit × 100

	Pids      uint64 // processes and threads
	PidsLimit uint64 // 0: unlimited

	BlockRead, BlockWrite uint64 // bytes, all block devices
	// NetRx and NetTx are bytes received and sent on the container's
	// network interfaces other than loopback: 0 with network "none".
	NetRx, NetTx uint64
}

// statsInterval is the time between the two samples CPU% is computed from.
const statsInterval = 100 * time.Millisecond

// Stats samples the resource use of a running container, as docker stats
// --no-stream does: it takes two samples of the cgroup, statsInterval
// apart, for the CPU percentage (the cgroup's CPU time over the host's,
// as docker computes it) and reports the second. A container that is not
// running is a *StateError (ErrNotRunning); a CLI shows it as docker
// does, with zeros.
func (c *Container) Stats(ctx context.Context) (*Stats, error) {
	cg, err := c.runningCgroup("get stats of")
	if err != nil {
		return nil, fmt.Errorf("stats of container %s: %w", c.ShortID(), err)
	}
	first, err := cg.Stats()
	if err != nil {
		return nil, fmt.Errorf("stats of container %s: %w", c.ShortID(), err)
	}
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("stats of container %s: %w", c.ShortID(), ctx.Err())
	case <-time.After(statsInterval):
	}
	second, err := cg.Stats()
	if err != nil {
		return nil, fmt.Errorf("stats of container %s: %w", c.ShortID(), err)
	}
	s := statsOf(first, second)
	// The network namespace's counters, through the container's process.
	st, err := c.state()
	if err != nil {
		return nil, fmt.Errorf("stats of container %s: %w", c.ShortID(), err)
	}
	if f, err := os.Open("/proc/" + strconv.Itoa(st.Pid) + "/net/dev"); err == nil {
		s.NetRx, s.NetTx, err = parseNetDev(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("stats of container %s: %w", c.ShortID(), err)
		}
	}
	return s, nil
}

// statsOf computes docker stats' figures from two samples.
func statsOf(first, second cgroup.Stats) *Stats {
	s := &Stats{
		Read:        second.Read,
		CPUPercent:  cgroup.CPUPercent(first, second),
		CPUUsage:    second.CPU.TotalUsage,
		OnlineCPUs:  second.CPU.OnlineCPUs,
		MemoryUsage: second.Memory.WorkingSet(),
		MemoryLimit: second.Memory.Limit,
		Pids:        second.Pids.Current,
		PidsLimit:   second.Pids.Limit,
		BlockRead:   second.Blkio.ReadBytes,
		BlockWrite:  second.Blkio.WriteBytes,
	}
	if s.MemoryLimit > 0 {
		s.MemoryPercent = float64(s.MemoryUsage) / float64(s.MemoryLimit) * 100
	}
	return s
}

// parseNetDev sums the bytes received and sent over the interfaces of a
// /proc/net/dev table, loopback excepted, as docker counts a container's
// network I/O. Each interface line is "NAME: rx_bytes rx_packets ...
// (8 receive fields) tx_bytes ...".
func parseNetDev(r io.Reader) (rx, tx uint64, err error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, counters, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue // the two header lines
		}
		name = strings.TrimSpace(name)
		if name == "lo" {
			continue
		}
		fields := strings.Fields(counters)
		if len(fields) < 9 {
			return 0, 0, fmt.Errorf("parse net/dev: interface %q: %d fields: %w", name, len(fields), ErrInvalid)
		}
		r, err1 := strconv.ParseUint(fields[0], 10, 64)
		t, err2 := strconv.ParseUint(fields[8], 10, 64)
		if err1 != nil || err2 != nil {
			return 0, 0, fmt.Errorf("parse net/dev: interface %q: bad counter: %w", name, ErrInvalid)
		}
		rx, tx = rx+r, tx+t
	}
	if err := sc.Err(); err != nil {
		return 0, 0, fmt.Errorf("parse net/dev: %w", err)
	}
	return rx, tx, nil
}
