package container

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/cgroup"
	"github.com/berth-dev/berth/internal/child"
)

func TestCgroupfsPlan(t *testing.T) {
	in := func(cfg Config, mounts ...Mount) planInput {
		rec := &record{Config: cfg}
		for _, m := range mounts {
			rec.Volumes = append(rec.Volumes, resolvedMount{Mount: m})
		}
		return planInput{rec: rec}
	}
	v1 := []cgroup.Filesystem{
		{Dir: "memory", Type: "cgroup", Data: "memory"},
		{Dir: "cpu,cpuacct", Type: "cgroup", Data: "cpu,cpuacct", Links: []string{"cpu", "cpuacct"}},
	}
	const flags = msNosuid | msNoexec | msNodev
	got := cgroupfsPlan(in(Config{}), v1)
	require.NotNil(t, got)
	assert.Equal(t, &child.Cgroupfs{
		Mounts: []child.Mount{
			{Source: "tmpfs", Target: "/sys/fs/cgroup", FSType: "tmpfs", Flags: flags, Data: "mode=755"},
			{Source: "cgroup", Target: "/sys/fs/cgroup/memory", FSType: "cgroup", Flags: flags | msRdonly, Data: "memory"},
			{Source: "cgroup", Target: "/sys/fs/cgroup/cpu,cpuacct", FSType: "cgroup", Flags: flags | msRdonly, Data: "cpu,cpuacct"},
		},
		Links:    [][2]string{{"/sys/fs/cgroup/cpu", "cpu,cpuacct"}, {"/sys/fs/cgroup/cpuacct", "cpu,cpuacct"}},
		Readonly: true,
	}, got, "v1: a tmpfs of hierarchies, made read-only once they are in")

	got = cgroupfsPlan(in(Config{Privileged: true}), v1)
	require.NotNil(t, got)
	assert.False(t, got.Readonly)
	for _, m := range got.Mounts {
		assert.Zero(t, m.Flags&msRdonly, "privileged: read-write, %s", m.Target)
	}

	v2 := []cgroup.Filesystem{{Type: "cgroup2"}}
	assert.Equal(t, &child.Cgroupfs{Mounts: []child.Mount{
		{Source: "cgroup", Target: "/sys/fs/cgroup", FSType: "cgroup2", Flags: flags | msRdonly},
	}}, cgroupfsPlan(in(Config{}), v2), "v2: the unified hierarchy itself")

	assert.Nil(t, cgroupfsPlan(in(Config{}), nil))
	for _, target := range []string{"/sys", "/sys/fs/", "/sys/fs/cgroup", "/sys/fs/cgroup/memory", "/"} {
		assert.Nil(t, cgroupfsPlan(in(Config{}, Mount{Type: MountTmpfs, Target: target}), v1), "a user's mount on %s wins", target)
	}
	assert.NotNil(t, cgroupfsPlan(in(Config{}, Mount{Type: MountTmpfs, Target: "/sys/fs/cgroupx"}), v1))
}
