package container

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A container's first process starts from a thread of this program
// (forkInit); the re-executed child remains for specs with a mount on
// /proc. The behaviour tests of a start run again through the child.
func TestStartThroughTheChild(t *testing.T) {
	saved := forkInit
	forkInit = false
	t.Cleanup(func() { forkInit = saved })
	for name, test := range map[string]func(*testing.T){
		"isolation":  TestIsolationMatchesDockerDefaults,
		"privileged": TestPrivilegedAndCapabilityChanges,
		"exit codes": TestStartErrorsHaveDockerExitCodes,
		"user":       TestEnvUserWorkdirHostname,
		"stdio":      TestStdinAndTTY,
		"volumes":    TestVolumes,
		"limits":     TestLimitsAreApplied,
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
