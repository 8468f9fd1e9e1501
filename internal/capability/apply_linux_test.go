package capability

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/privileged"
)

// applyHelperEnv marks the re-executed test binary as the child of
// TestApply; its value names the scenario to run.
const applyHelperEnv = "BERTH_CAPABILITY_APPLY_HELPER"

// defaultMask is the capability bit mask of Default(), the CapEff a Docker
// container shows in /proc/self/status.
const defaultMask = "00000000a80425fb"

// TestApplyHelper does its work only in the child TestApply starts: it
// applies capabilities on its locked thread and prints the thread's
// capability sets.
func TestApplyHelper(t *testing.T) {
	scenario := os.Getenv(applyHelperEnv)
	if scenario == "" {
		return // not the child
	}
	// The thread ends with this goroutine: its changed capabilities never
	// reach another goroutine.
	runtime.LockOSThread()

	caps := Default()
	switch scenario {
	case "default":
	case "after-setuid":
		// As a container's init does: keep the permitted set across a
		// setuid to a non-root user, on this thread only.
		require.NoError(t, unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0))
		_, _, errno := unix.RawSyscall(unix.SYS_SETRESUID, 1000, 1000, 1000)
		require.Zero(t, errno, "setresuid")
	case "none":
		caps = nil
	default:
		t.Fatalf("unknown scenario %q", scenario)
	}
	require.NoError(t, Apply(caps))

	status, err := os.ReadFile("/proc/thread-self/status")
	require.NoError(t, err)
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "Cap") || strings.HasPrefix(line, "Uid:") {
			fmt.Println("status:", line)
		}
	}
}

// childStatus runs TestApplyHelper in a new process for scenario and returns
// the status lines it printed, by field name.
func childStatus(t *testing.T, scenario string) map[string]string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestApplyHelper$", "-test.v")
	cmd.Env = append(os.Environ(), applyHelperEnv+"="+scenario)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "child output:\n%s", out)

	fields := map[string]string{}
	scanner := bufio.NewScanner(strings.NewReader(string(out)))
	for scanner.Scan() {
		line, ok := strings.CutPrefix(scanner.Text(), "status: ")
		if !ok {
			continue
		}
		key, value, _ := strings.Cut(line, ":")
		fields[key] = strings.TrimSpace(value)
	}
	require.Contains(t, fields, "CapEff", "child output:\n%s", out)
	return fields
}

func TestApply(t *testing.T) {
	privileged.Require(t)

	tests := []struct {
		scenario string
		want     string
		uid      string
	}{
		{scenario: "default", want: defaultMask, uid: "0"},
		{scenario: "after-setuid", want: defaultMask, uid: "1000"},
		{scenario: "none", want: "0000000000000000", uid: "0"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			t.Parallel()
			status := childStatus(t, tt.scenario)
			assert.Equal(t, tt.want, status["CapEff"], "effective")
			assert.Equal(t, tt.want, status["CapPrm"], "permitted")
			assert.Equal(t, tt.want, status["CapBnd"], "bounding")
			assert.Equal(t, "0000000000000000", status["CapInh"], "inheritable")
			assert.Equal(t, "0000000000000000", status["CapAmb"], "ambient")
			assert.True(t, strings.HasPrefix(status["Uid"], tt.uid), "uid %q", status["Uid"])
		})
	}
}

func TestApplyRejectsUnknownNameBeforeChangingAnything(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before, err := os.ReadFile("/proc/thread-self/status")
	require.NoError(t, err)

	err = Apply([]string{"CAP_CHOWN", "CAP_WALK_THROUGH_WALLS"})
	require.ErrorIs(t, err, ErrUnknownCapability)
	assert.Contains(t, err.Error(), "CAP_WALK_THROUGH_WALLS")

	after, err := os.ReadFile("/proc/thread-self/status")
	require.NoError(t, err)
	assert.Equal(t, capLines(string(before)), capLines(string(after)))
}

func capLines(status string) []string {
	var lines []string
	for _, line := range strings.Split(status, "\n") {
		if strings.HasPrefix(line, "Cap") {
			lines = append(lines, line)
		}
	}
	return lines
}
