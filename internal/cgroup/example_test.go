package cgroup_test

import (
	"errors"
	"fmt"

	"github.com/berth-dev/berth/internal/cgroup"
)

func ExampleResources_Validate() {
	err := cgroup.Resources{Memory: 4 << 20}.Validate() // docker run --memory 4m
	fmt.Println(err)
	fmt.Println(errors.Is(err, cgroup.ErrInvalid))

	err = cgroup.Resources{Memory: 64 << 20, MemorySwap: 32 << 20}.Validate()
	var invalid *cgroup.ValidationError
	if errors.As(err, &invalid) {
		fmt.Printf("%s: %s\n", invalid.Field, invalid.Message)
	}
	// Output:
	// Minimum memory limit allowed is 6MB
	// true
	// MemorySwap: Minimum memoryswap limit should be larger than memory limit, see usage
}

func ExampleCPUPercent() {
	// Two samples a second apart on a host with 2 CPUs: the host spent 2s
	// of CPU time, the group 0.5s.
	before := cgroup.Stats{CPU: cgroup.CPUStats{TotalUsage: 1e9, SystemUsage: 100e9, OnlineCPUs: 2}}
	after := cgroup.Stats{CPU: cgroup.CPUStats{TotalUsage: 1.5e9, SystemUsage: 102e9, OnlineCPUs: 2}}
	fmt.Printf("%.2f%%\n", cgroup.CPUPercent(before, after))
	// Output: 50.00%
}
