package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/moby/sys/mountinfo"

	"github.com/berth-dev/berth/container"
	"github.com/berth-dev/berth/internal/privileged"
	"github.com/berth-dev/berth/internal/testimage"
)

// The container benchmarks time berth's library calls in-process, with no
// CLI process start: the cost a program that embeds berth pays. The
// side-by-side comparison with docker, podman, runc and unshare, through
// each tool's command line, is bench/container.sh. Run them with
//
//	go test -run '^$' -bench 'Run|Exec' -benchtime 200x ./bench/
//
// Each benchmark opens a runtime on a fresh root holding the busybox image
// (package internal/testimage, Debian's busybox-static: the same binary
// bench/container.sh puts in its image), with no network (a network
// namespace with only loopback, as --network none).

// benchRuntime opens a runtime on a fresh root holding "busybox" and, when
// the benchmark ends, closes it and fails if a mount is left under the root.
func benchRuntime(b *testing.B) (*container.Runtime, context.Context) {
	b.Helper()
	privileged.Require(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	b.Cleanup(cancel)
	root := b.TempDir()
	rt, err := container.Open(ctx, root)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := rt.Close(); err != nil {
			b.Error(err)
		}
		mounts, err := mountinfo.GetMounts(mountinfo.PrefixFilter(root))
		if err != nil {
			b.Error(err)
		}
		for _, m := range mounts {
			b.Errorf("leaked mount %s", m.Mountpoint)
		}
	})
	if _, err := rt.Images().Write(ctx, testimage.Busybox(b), "busybox:latest"); err != nil {
		b.Fatal(err)
	}
	return rt, ctx
}

// runPhases is how long each step of one run took.
type runPhases struct {
	create, start, wait, remove time.Duration
}

// add accumulates q into p.
func (p *runPhases) add(q runPhases) {
	p.create += q.create
	p.start += q.start
	p.wait += q.wait
	p.remove += q.remove
}

// runTrue is `docker run --rm --network none busybox true` through the
// library: create, start (attached: the process is this program's child),
// wait for the exit, remove.
func runTrue(ctx context.Context, rt *container.Runtime) (runPhases, error) {
	var ph runPhases
	t0 := time.Now()
	c, err := rt.Create(ctx, container.Config{Image: "busybox", Cmd: []string{"true"}, NetworkMode: "none"})
	if err != nil {
		return ph, err
	}
	// Wait before Start, so the exit Start leads to cannot be missed.
	exited, waitErr := c.Wait(ctx, container.WaitNextExit)
	t1 := time.Now()
	if err := c.Start(ctx); err != nil {
		_ = c.Remove(context.WithoutCancel(ctx), container.RemoveOptions{Force: true})
		return ph, err
	}
	t2 := time.Now()
	select {
	case st := <-exited:
		if st.ExitCode != 0 || st.Error != "" {
			err = fmt.Errorf("container %s exited %d: %s", c.ShortID(), st.ExitCode, st.Error)
		}
	case err = <-waitErr:
	}
	t3 := time.Now()
	if rmErr := c.Remove(ctx, container.RemoveOptions{Force: err != nil}); err == nil {
		err = rmErr
	}
	ph = runPhases{create: t1.Sub(t0), start: t2.Sub(t1), wait: t3.Sub(t2), remove: time.Since(t3)}
	return ph, err
}

// BenchmarkRun is one container at a time: create, start, wait, remove.
// Besides ns/op it reports the mean milliseconds of each step: create-ms
// (Create: name, snapshot, host files, image hold), start-ms (Start
// returns once the child has exec'd the command: cgroup, namespaces,
// mounts, seccomp, capabilities), wait-ms (until the exit is recorded)
// and remove-ms.
func BenchmarkRun(b *testing.B) {
	rt, ctx := benchRuntime(b)
	var total runPhases
	n := 0
	for b.Loop() {
		ph, err := runTrue(ctx, rt)
		if err != nil {
			b.Fatal(err)
		}
		total.add(ph)
		n++
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(n) }
	b.ReportMetric(ms(total.create), "create-ms")
	b.ReportMetric(ms(total.start), "start-ms")
	b.ReportMetric(ms(total.wait), "wait-ms")
	b.ReportMetric(ms(total.remove), "remove-ms")
}

// BenchmarkRunCall is BenchmarkRun through Runtime.Run, which starts the
// container's child while it creates the container, with AutoRemove, as
// berth run --rm does: Run, then wait until the container is removed.
func BenchmarkRunCall(b *testing.B) {
	rt, ctx := benchRuntime(b)
	for b.Loop() {
		c, err := rt.Run(ctx, container.Config{Image: "busybox", Cmd: []string{"true"}, NetworkMode: "none", AutoRemove: true})
		if err != nil {
			b.Fatal(err)
		}
		removed, errc := c.Wait(ctx, container.WaitRemoved)
		select {
		case st := <-removed:
			if st.ExitCode != 0 {
				b.Fatalf("container %s exited %d", c.ShortID(), st.ExitCode)
			}
		case err := <-errc:
			b.Fatal(err)
		}
	}
}

// BenchmarkRunParallel is BenchmarkRun from GOMAXPROCS goroutines at once
// on one runtime (-cpu sets how many): ns/op is wall time divided by the
// containers run, so it falls as containers overlap.
func BenchmarkRunParallel(b *testing.B) {
	rt, ctx := benchRuntime(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := runTrue(ctx, rt); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkExec is `docker exec NAME true` through the library, in a
// running `sleep` container: start the process in the container's
// namespaces, cgroup and root, and wait for it.
func BenchmarkExec(b *testing.B) {
	rt, ctx := benchRuntime(b)
	c, err := rt.Create(ctx, container.Config{Image: "busybox", Cmd: []string{"sleep", "100000"}, NetworkMode: "none"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := c.Remove(context.WithoutCancel(ctx), container.RemoveOptions{Force: true}); err != nil {
			b.Error(err)
		}
	})
	if err := c.Start(ctx); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		p, err := c.Exec(ctx, container.ExecConfig{Cmd: []string{"true"}})
		if err != nil {
			b.Fatal(err)
		}
		code, err := p.Wait(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if code != 0 {
			b.Fatalf("exec true exited %d", code)
		}
	}
}
