package cgroup

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCPUPercent(t *testing.T) {
	sample := func(total, system uint64, online uint32, perCPU int) Stats {
		return Stats{CPU: CPUStats{TotalUsage: total, SystemUsage: system, OnlineCPUs: online, PerCPUUsage: make([]uint64, perCPU)}}
	}
	tests := []struct {
		name           string
		previous, curr Stats
		want           float64
	}{
		// The host spent 4s of CPU time over 2 CPUs (2s wall clock); the
		// group 1s: half of one CPU.
		{name: "half a CPU", previous: sample(0, 0, 2, 0), curr: sample(1e9, 4e9, 2, 0), want: 50},
		{name: "two full CPUs", previous: sample(1e9, 1e9, 2, 0), curr: sample(5e9, 5e9, 2, 0), want: 200},
		{name: "online CPUs unknown: per-CPU count", previous: sample(0, 0, 0, 4), curr: sample(1e9, 4e9, 0, 4), want: 100},
		{name: "no CPU used", previous: sample(1e9, 0, 2, 0), curr: sample(1e9, 4e9, 2, 0), want: 0},
		{name: "no time passed", previous: sample(0, 4e9, 2, 0), curr: sample(1e9, 4e9, 2, 0), want: 0},
		{name: "counters went back (group recreated)", previous: sample(5e9, 0, 2, 0), curr: sample(1e9, 4e9, 2, 0), want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.InDelta(t, tt.want, CPUPercent(tt.previous, tt.curr), 1e-9)
		})
	}
}

func TestMemoryWorkingSet(t *testing.T) {
	assert.Equal(t, uint64(70), MemoryStats{Usage: 100, InactiveFile: 30}.WorkingSet())
	assert.Equal(t, uint64(100), MemoryStats{Usage: 100, InactiveFile: 130}.WorkingSet(), "inactive file above usage: usage unchanged, as docker does")
	assert.Equal(t, uint64(0), MemoryStats{}.WorkingSet())
}
