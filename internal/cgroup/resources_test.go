package cgroup

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidate(t *testing.T) {
	const mb = 1024 * 1024
	host := topology{numCPU: 4, cpus: "0-3\n", mems: "0\n"}
	tests := []struct {
		name    string
		r       Resources
		field   string // "" when valid
		message string
	}{
		{name: "zero value", r: Resources{}},
		{name: "everything set", r: Resources{Memory: 64 * mb, MemorySwap: 128 * mb, NanoCPUs: 1.5e9, CPUShares: 512, CpusetCpus: "0-1,3", CpusetMems: "0", PidsLimit: 100, BlkioWeight: 500}},
		{name: "memory at the minimum", r: Resources{Memory: 6 * mb}},
		{name: "memory below the minimum", r: Resources{Memory: 6*mb - 1}, field: "Memory", message: "Minimum memory limit allowed is 6MB"},
		{name: "negative memory", r: Resources{Memory: -1}, field: "Memory", message: "Minimum memory limit allowed is 6MB"},
		{name: "swap unlimited", r: Resources{Memory: 64 * mb, MemorySwap: -1}},
		{name: "swap unlimited without memory", r: Resources{MemorySwap: -1}},
		{name: "swap equal to memory", r: Resources{Memory: 64 * mb, MemorySwap: 64 * mb}},
		{name: "swap below memory", r: Resources{Memory: 64 * mb, MemorySwap: 32 * mb}, field: "MemorySwap", message: "Minimum memoryswap limit should be larger than memory limit, see usage"},
		{name: "swap without memory", r: Resources{MemorySwap: 64 * mb}, field: "MemorySwap", message: "You should always set the Memory limit when using Memoryswap limit, see usage"},
		{name: "swap below -1", r: Resources{Memory: 64 * mb, MemorySwap: -2}, field: "MemorySwap", message: "Invalid value -2 for memory-swap, use -1 for unlimited swap"},
		{name: "all CPUs", r: Resources{NanoCPUs: 4e9}},
		{name: "0.01 CPU", r: Resources{NanoCPUs: 1e7}},
		{name: "more CPUs than the host", r: Resources{NanoCPUs: 4e9 + 1}, field: "NanoCPUs", message: "Range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available"},
		{name: "below 0.01 CPU", r: Resources{NanoCPUs: 1e7 - 1}, field: "NanoCPUs", message: "Range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available"},
		{name: "negative CPUs", r: Resources{NanoCPUs: -1}, field: "NanoCPUs", message: "Range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available"},
		{name: "negative shares", r: Resources{CPUShares: -2}, field: "CPUShares", message: "Invalid value -2 for cpu-shares, it can not be negative"},
		{name: "cpuset CPU the host lacks", r: Resources{CpusetCpus: "2-4"}, field: "CpusetCpus", message: "Requested CPUs are not available - requested 2-4, available: 0-3\n"},
		{name: "cpuset CPUs malformed", r: Resources{CpusetCpus: "1-"}, field: "CpusetCpus", message: "Invalid value 1- for cpuset cpus: empty element in list"},
		{name: "cpuset node the host lacks", r: Resources{CpusetMems: "1"}, field: "CpusetMems", message: "Requested memory nodes are not available - requested 1, available: 0\n"},
		{name: "cpuset nodes malformed", r: Resources{CpusetMems: "a"}, field: "CpusetMems", message: `Invalid value a for cpuset mems: invalid number "a"`},
		{name: "blkio weight at the bounds", r: Resources{BlkioWeight: 10}},
		{name: "blkio weight too low", r: Resources{BlkioWeight: 9}, field: "BlkioWeight", message: "Range of blkio weight is from 10 to 1000"},
		{name: "blkio weight too high", r: Resources{BlkioWeight: 1001}, field: "BlkioWeight", message: "Range of blkio weight is from 10 to 1000"},
		{name: "pids unlimited either way", r: Resources{PidsLimit: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.r.validate(host)
			if tt.field == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalid)
			var verr *ValidationError
			require.True(t, errors.As(err, &verr))
			assert.Equal(t, tt.field, verr.Field)
			assert.Equal(t, tt.message, err.Error())
		})
	}
}

// TestValidateReadsTheHost checks the public form against this machine:
// it may not ask for more CPUs than the machine has, nor for a CPU number
// no machine has.
func TestValidateReadsTheHost(t *testing.T) {
	n := hostTopology(Resources{NanoCPUs: 1}).numCPU
	require.NoError(t, Resources{NanoCPUs: int64(n) * 1e9, CpusetCpus: "0", CpusetMems: "0"}.Validate())
	require.ErrorIs(t, Resources{NanoCPUs: int64(n+1) * 1e9}.Validate(), ErrInvalid)
	require.ErrorIs(t, Resources{CpusetCpus: "65535"}.Validate(), ErrInvalid)
}

func TestResolve(t *testing.T) {
	const mb = 1024 * 1024
	all := capabilities{memory: true, swap: true, cfs: true, shares: true, cpuset: true, pids: true, blkioWeight: true}
	tests := []struct {
		name     string
		r        Resources
		caps     capabilities
		want     limits
		warnings []string
	}{
		{name: "nothing asked", r: Resources{}, caps: all, want: limits{}},
		{name: "swap defaults to twice memory", r: Resources{Memory: 64 * mb}, caps: all, want: limits{memory: 64 * mb, memorySwap: 128 * mb}},
		{name: "swap given", r: Resources{Memory: 64 * mb, MemorySwap: 96 * mb}, caps: all, want: limits{memory: 64 * mb, memorySwap: 96 * mb}},
		{name: "swap unlimited leaves the default", r: Resources{Memory: 64 * mb, MemorySwap: -1}, caps: all, want: limits{memory: 64 * mb}},
		{
			name: "no swap accounting", r: Resources{Memory: 64 * mb, MemorySwap: 96 * mb},
			caps: capabilities{memory: true}, want: limits{memory: 64 * mb}, warnings: []string{warnSwap},
		},
		{
			name: "no swap accounting, unlimited swap asked: nothing to warn about", r: Resources{Memory: 64 * mb, MemorySwap: -1},
			caps: capabilities{memory: true}, want: limits{memory: 64 * mb},
		},
		{name: "no memory controller", r: Resources{Memory: 64 * mb}, caps: capabilities{}, want: limits{}, warnings: []string{warnMemory}},
		{name: "cpus become a quota per 100ms", r: Resources{NanoCPUs: 1.5e9}, caps: all, want: limits{cpuQuota: 150000}},
		{name: "0.01 CPU is the kernel's 1ms", r: Resources{NanoCPUs: 1e7}, caps: all, want: limits{cpuQuota: 1000}},
		{
			name: "everything else", r: Resources{CPUShares: 512, CpusetCpus: "0", CpusetMems: "0", PidsLimit: 5, BlkioWeight: 300},
			caps: all, want: limits{cpuShares: 512, cpusetCpus: "0", cpusetMems: "0", pids: 5, blkioWeight: 300},
		},
		{name: "pids zero or negative are unlimited", r: Resources{PidsLimit: -1}, caps: all, want: limits{}},
		{
			name: "everything else missing", r: Resources{CPUShares: 512, CpusetCpus: "0", PidsLimit: 5, BlkioWeight: 300},
			caps: capabilities{}, want: limits{}, warnings: []string{warnShares, warnCpuset, warnPids, warnBlkio},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warnings, err := tt.r.resolve(tt.caps)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.warnings, warnings)
		})
	}
	t.Run("cpus without CFS bandwidth control", func(t *testing.T) {
		_, _, err := Resources{NanoCPUs: 1e9}.resolve(capabilities{})
		require.ErrorIs(t, err, ErrNotSupported)
		assert.Contains(t, err.Error(), "NanoCPUs can not be set")
	})
}

func TestCheckPath(t *testing.T) {
	for _, p := range []string{"/berth/0123", "/a", "/berth-test-1/x/y"} {
		assert.NoError(t, checkPath(p), p)
	}
	for _, p := range []string{"", "/", "berth/x", "/berth/", "/berth/../x", "/berth//x", "/berth/./x", "/.."} {
		assert.ErrorIs(t, checkPath(p), ErrInvalid, p)
	}
}
