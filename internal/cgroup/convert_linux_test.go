package cgroup

import (
	"testing"

	"github.com/containerd/cgroups/v3/cgroup2"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/stretchr/testify/assert"
)

func ptr[T any](v T) *T { return &v }

func TestV1Spec(t *testing.T) {
	tests := []struct {
		name string
		in   limits
		want *specs.LinuxResources
	}{
		{name: "nothing", in: limits{}, want: &specs.LinuxResources{}},
		{
			name: "memory and swap",
			in:   limits{memory: 64 << 20, memorySwap: 128 << 20},
			want: &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](64 << 20), Swap: ptr[int64](128 << 20)}},
		},
		{
			name: "memory, swap left alone",
			in:   limits{memory: 64 << 20},
			want: &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](64 << 20)}},
		},
		{
			name: "cpu",
			in:   limits{cpuQuota: 50000, cpuShares: 512, cpusetCpus: "0-1", cpusetMems: "0"},
			want: &specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: ptr[int64](50000), Period: ptr[uint64](100000), Shares: ptr[uint64](512), Cpus: "0-1", Mems: "0"}},
		},
		{
			name: "cpuset alone",
			in:   limits{cpusetCpus: "1"},
			want: &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "1"}},
		},
		{
			name: "pids; the blkio weight is written apart",
			in:   limits{pids: 5, blkioWeight: 300},
			want: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr[int64](5)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, v1Spec(tt.in))
		})
	}
}

func TestV2Resources(t *testing.T) {
	tests := []struct {
		name string
		in   limits
		want *cgroup2.Resources
	}{
		{name: "nothing", in: limits{}, want: &cgroup2.Resources{}},
		{
			// v2 limits swap alone: memory+swap 128MB over 64MB of memory
			// is 64MB of swap.
			name: "memory and swap",
			in:   limits{memory: 64 << 20, memorySwap: 128 << 20},
			want: &cgroup2.Resources{Memory: &cgroup2.Memory{Max: ptr[int64](64 << 20), Swap: ptr[int64](64 << 20)}},
		},
		{
			name: "memory equal to memory+swap: no swap",
			in:   limits{memory: 64 << 20, memorySwap: 64 << 20},
			want: &cgroup2.Resources{Memory: &cgroup2.Memory{Max: ptr[int64](64 << 20), Swap: ptr[int64](0)}},
		},
		{
			name: "memory, swap left alone",
			in:   limits{memory: 64 << 20},
			want: &cgroup2.Resources{Memory: &cgroup2.Memory{Max: ptr[int64](64 << 20)}},
		},
		{
			// runc's conversion: the default 1024 shares are the default
			// weight 100; 2 shares the minimum weight 1.
			name: "cpu",
			in:   limits{cpuQuota: 150000, cpuShares: 1024, cpusetCpus: "0-1", cpusetMems: "0"},
			want: &cgroup2.Resources{CPU: &cgroup2.CPU{Max: "150000 100000", Weight: ptr[uint64](100), Cpus: "0-1", Mems: "0"}},
		},
		{
			name: "minimum shares",
			in:   limits{cpuShares: 2},
			want: &cgroup2.Resources{CPU: &cgroup2.CPU{Weight: ptr[uint64](1)}},
		},
		{
			name: "pids and blkio weight",
			in:   limits{pids: 5, blkioWeight: 300},
			want: &cgroup2.Resources{Pids: &cgroup2.Pids{Max: 5}, IO: &cgroup2.IO{BFQ: cgroup2.BFQ{Weight: 300}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, v2Resources(tt.in))
		})
	}
}
