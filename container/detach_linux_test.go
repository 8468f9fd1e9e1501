package container

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// helperEnv makes the test binary act as an embedding program (see
// TestHelperProgram) instead of running tests.
const helperEnv = "BERTH_TEST_HELPER"

// TestHelperProgram is a program that embeds berth: started by other tests
// with helperEnv set to "ROOT MODE", it starts a ticking container
// (detached or attached), prints its ID and then waits to be killed.
func TestHelperProgram(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		t.Skip("only runs as a helper program of other tests")
	}
	root, mode, _ := strings.Cut(spec, " ")
	ctx := context.Background()
	rt, err := Open(ctx, root)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	if n, ok := strings.CutPrefix(mode, "churn "); ok {
		churn(ctx, rt, n)
		return
	}
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh("trap 'exit 143' TERM; while true; do echo tick; sleep 0.05; done")})
	if err == nil {
		var opts []StartOption
		if mode == "detached" {
			opts = append(opts, Detach())
		}
		err = c.Start(ctx, opts...)
	}
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(c.ID())
	time.Sleep(time.Hour)
}

// startHelper runs the helper program and returns it with the ID of the
// container it started.
func startHelper(t *testing.T, root, mode string) (*exec.Cmd, string) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProgram$")
	cmd.Env = append(os.Environ(), helperEnv+"="+root+" "+mode)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	id := strings.TrimSpace(line)
	require.Len(t, id, 64, "helper said %q", line)
	return cmd, id
}

func TestDetachedContainerOutlivesItsProgram(t *testing.T) {
	rt, ctx := testRuntime(t)
	cmd, id := startHelper(t, rt.root, "detached")
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()

	// A new program (a new runtime on the root) sees it running and
	// logging.
	rt2, err := Open(ctx, rt.root)
	require.NoError(t, err)
	defer rt2.Close()
	c, err := rt2.Get(ctx, id)
	require.NoError(t, err)
	info, err := c.Inspect(ctx)
	require.NoError(t, err)
	require.True(t, info.State.Running)
	assert.True(t, info.State.Detached)
	count := func() int {
		var out bytes.Buffer
		require.NoError(t, c.Logs(ctx, LogsOptions{Tail: -1}, &out, &out))
		return strings.Count(out.String(), "tick\n")
	}
	n := count()
	require.Eventually(t, func() bool { return count() > n+2 }, 5*time.Second, 50*time.Millisecond, "still logging")

	// Follow ends when the container stops.
	followed := make(chan string, 1)
	go func() {
		var out bytes.Buffer
		_ = c.Logs(ctx, LogsOptions{Follow: true, Tail: 0}, &out, &out)
		followed <- out.String()
	}()
	time.Sleep(200 * time.Millisecond)
	require.NoError(t, c.Stop(ctx, 5*time.Second))
	select {
	case out := <-followed:
		assert.Contains(t, out, "tick\n")
	case <-time.After(5 * time.Second):
		t.Fatal("logs -f did not end when the container stopped")
	}
	info, err = c.Inspect(ctx)
	require.NoError(t, err)
	assert.Equal(t, StatusExited, info.State.Status)
	assert.Equal(t, 143, info.State.ExitCode)
	require.NoError(t, c.Remove(ctx, RemoveOptions{}))
}

func TestAttachedContainerDiesWithItsProgram(t *testing.T) {
	rt, ctx := testRuntime(t)
	cmd, id := startHelper(t, rt.root, "attached")
	c, err := rt.Get(ctx, id)
	require.NoError(t, err)
	info, err := c.Inspect(ctx)
	require.NoError(t, err)
	require.True(t, info.State.Running)
	pid := info.State.Pid
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	require.Eventually(t, func() bool { return !processAlive(pid, info.State.PidStart) }, 5*time.Second, 10*time.Millisecond, "the container dies with its program")

	// The next open finds it exited and cleans up after it.
	rt2, err := Open(ctx, rt.root)
	require.NoError(t, err)
	defer rt2.Close()
	c, err = rt2.Get(ctx, id)
	require.NoError(t, err)
	info, err = c.Inspect(ctx)
	require.NoError(t, err)
	assert.Equal(t, StatusExited, info.State.Status)
	assert.Equal(t, 255, info.State.ExitCode)
	require.NoError(t, c.Remove(ctx, RemoveOptions{}))
}

// churn creates, runs and removes containers one after another, as a
// second program sharing a root would.
func churn(ctx context.Context, rt *Runtime, count string) {
	n, _ := strconv.Atoi(count)
	for i := range n {
		c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh("echo theirs"), Mounts: []Mount{{Type: MountVolume, Target: "/v"}}})
		if err == nil {
			fmt.Println("id:" + c.ID())
			exited, errc := c.Wait(ctx, WaitNextExit)
			if err = c.Start(ctx); err == nil {
				select {
				case <-exited:
				case err = <-errc:
				}
			}
		}
		if err == nil {
			err = c.Remove(ctx, RemoveOptions{Volumes: true})
		}
		if err != nil {
			fmt.Println("error:", i, err)
			os.Exit(1)
		}
	}
	fmt.Println("churned", n)
	_ = rt.Close()
}
