package container

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/cgroup"
)

// A container's first process starts from a thread of this program
// (forkInit); the re-executed child remains for specs with a mount on
// /proc. The behaviour tests of a start run again through the child.
func TestStartThroughTheChild(t *testing.T) {
	saved := forkInit
	forkInit = false
	t.Cleanup(func() { forkInit = saved })
	for name, test := range map[string]func(*testing.T){
		"isolation":         TestIsolationMatchesDockerDefaults,
		"privileged":        TestPrivilegedAndCapabilityChanges,
		"exit codes":        TestStartErrorsHaveDockerExitCodes,
		"user":              TestEnvUserWorkdirHostname,
		"stdio":             TestStdinAndTTY,
		"volumes":           TestVolumes,
		"limits":            TestLimitsAreApplied,
		"cgroup":            TestContainerSeesItsOwnCgroup,
		"privileged cgroup": TestPrivilegedCgroupIsWritable,
	} {
		t.Run(name, test)
	}
}

// A mount on /proc is made after /proc, which only a process in the
// container's pid namespace can mount: such a container takes the child.
func TestMountOnProcTakesTheChild(t *testing.T) {
	rt, ctx := testRuntime(t)
	code, out, errOut := run(t, ctx, rt, Config{
		Cmd:    sh(`stat -f -c %T /proc/driver; echo $$`),
		Mounts: []Mount{{Type: MountTmpfs, Target: "/proc/driver"}},
	})
	assert.Equal(t, 0, code, errOut)
	assert.Equal(t, "tmpfs\n1\n", out)
}

// A cgroup that cannot be made fails the start after the thread has the
// spec: the container is left as it was (testRuntime checks that nothing
// leaks).
func TestCgroupFailureAfterTheSpec(t *testing.T) {
	rt, ctx := testRuntime(t)
	saved := newCgroup
	newCgroup = func(string, cgroup.Resources) (*cgroup.Cgroup, error) { return nil, errors.New("no cgroup today") }
	t.Cleanup(func() { newCgroup = saved })
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: []string{"true"}})
	require.NoError(t, err)
	err = c.Start(ctx)
	require.ErrorIs(t, err, ErrSetup)
	info, err := c.Inspect(ctx)
	require.NoError(t, err)
	assert.Equal(t, StatusCreated, info.State.Status)
	assert.Zero(t, info.State.Pid)
	require.NoError(t, c.Remove(ctx, RemoveOptions{}))
}
