package container

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/cgroup"
)

func TestStatsOfRunningContainer(t *testing.T) {
	rt, ctx := testRuntime(t)
	c := startContainer(t, ctx, rt, Config{
		Cmd:       sh("while :; do :; done"),
		Resources: Resources{Memory: 64 << 20, PidsLimit: 50},
	})
	s, err := c.Stats(ctx)
	require.NoError(t, err)
	assert.Positive(t, s.MemoryUsage)
	assert.Equal(t, uint64(64<<20), s.MemoryLimit)
	assert.InDelta(t, float64(s.MemoryUsage)/float64(64<<20)*100, s.MemoryPercent, 1e-9)
	assert.GreaterOrEqual(t, s.Pids, uint64(1))
	assert.Equal(t, uint64(50), s.PidsLimit)
	assert.Positive(t, s.CPUPercent, "a busy loop uses CPU")
	assert.LessOrEqual(t, s.CPUPercent, float64(s.OnlineCPUs)*100+1)
	assert.Positive(t, s.CPUUsage)
	assert.Zero(t, s.NetRx, "network none has only loopback")
	assert.Zero(t, s.NetTx)
	assert.WithinDuration(t, time.Now(), s.Read, 5*time.Second)

	require.NoError(t, c.Stop(ctx, time.Second))
	_, err = c.Stats(ctx)
	assert.ErrorIs(t, err, ErrNotRunning)
}

func TestStatsWithoutLimitShowsHostMemory(t *testing.T) {
	rt, ctx := testRuntime(t)
	c := startContainer(t, ctx, rt, Config{Cmd: []string{"sleep", "100"}})
	s, err := c.Stats(ctx)
	require.NoError(t, err)
	var info unix.Sysinfo_t
	require.NoError(t, unix.Sysinfo(&info))
	assert.Equal(t, uint64(info.Totalram)*uint64(info.Unit), s.MemoryLimit, "the host's memory, as docker shows")
	assert.Zero(t, s.PidsLimit)
}

func TestStatsOf(t *testing.T) {
	first := cgroup.Stats{CPU: cgroup.CPUStats{TotalUsage: 1e9, SystemUsage: 100e9, OnlineCPUs: 4}}
	second := cgroup.Stats{
		Read:   time.Unix(100, 0),
		CPU:    cgroup.CPUStats{TotalUsage: 1.5e9, SystemUsage: 102e9, OnlineCPUs: 4},
		Memory: cgroup.MemoryStats{Usage: 300, InactiveFile: 100, Limit: 1000},
		Pids:   cgroup.PidsStats{Current: 3, Limit: 10},
		Blkio:  cgroup.BlkioStats{ReadBytes: 7, WriteBytes: 9},
	}
	s := statsOf(first, second)
	assert.Equal(t, &Stats{
		Read: time.Unix(100, 0), CPUPercent: 100, CPUUsage: 1.5e9, OnlineCPUs: 4,
		MemoryUsage: 200, MemoryLimit: 1000, MemoryPercent: 20,
		Pids: 3, PidsLimit: 10, BlockRead: 7, BlockWrite: 9,
	}, s, "0.5 s of CPU over 2 s of 4 CPUs: one CPU busy is 100%%")
	assert.Zero(t, statsOf(second, second).CPUPercent)
	assert.Zero(t, statsOf(first, cgroup.Stats{}).MemoryPercent, "no division by a zero limit")
}

const netDevSample = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  123456     100    0    0    0     0          0         0   123456     100    0    0    0     0       0          0
  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0
veth1:5 1 0 0 0 0 0 0 7 1 0 0 0 0 0 0
`

func TestParseNetDev(t *testing.T) {
	for _, tc := range []struct {
		in     string
		rx, tx uint64
		bad    bool
	}{
		{in: netDevSample, rx: 1005, tx: 2007},
		{in: "Inter-|\n face |\n    lo: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n", rx: 0, tx: 0},
		{in: "", rx: 0, tx: 0},
		{in: "eth0: 1 2 3\n", bad: true},
		{in: "eth0: x 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0\n", bad: true},
		{in: "eth0: 1 0 0 0 0 0 0 0 -1 0 0 0 0 0 0 0\n", bad: true},
	} {
		rx, tx, err := parseNetDev(strings.NewReader(tc.in))
		if tc.bad {
			assert.ErrorIs(t, err, ErrInvalid, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.rx, rx, tc.in)
		assert.Equal(t, tc.tx, tx, tc.in)
	}
}

func FuzzParseNetDev(f *testing.F) {
	f.Add(netDevSample)
	f.Add("eth0: 1 2 3\n")
	f.Fuzz(func(t *testing.T, s string) {
		rx, tx, err := parseNetDev(strings.NewReader(s))
		if err != nil {
			return
		}
		// Loopback never counts.
		rx2, tx2, err := parseNetDev(strings.NewReader(s + "\n lo: 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1\n"))
		require.NoError(t, err)
		assert.Equal(t, [2]uint64{rx, tx}, [2]uint64{rx2, tx2})
	})
}
