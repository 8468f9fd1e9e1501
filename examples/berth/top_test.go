//go:build linux

package main

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/container"
	"github.com/berth-dev/berth/image"
	"github.com/berth-dev/berth/internal/privileged"
	"github.com/berth-dev/berth/internal/testimage"
)

// ctrFixture is a container runtime on a berth environment's root, with
// busybox in its store, for tests to make the containers the CLI then
// works on. Containers it starts run attached to it: they live until the
// test ends, when every container it made is removed.
type ctrFixture struct {
	t   *testing.T
	ctx context.Context
	rt  *container.Runtime
}

func newCtrFixture(t *testing.T, b *berth) *ctrFixture {
	t.Helper()
	privileged.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	store, err := image.Open(ctx, b.root)
	require.NoError(t, err)
	_, err = store.Write(ctx, testimage.Busybox(t), "busybox:latest")
	require.NoError(t, err)
	require.NoError(t, store.Close())
	rt, err := container.Open(ctx, b.root)
	require.NoError(t, err)
	t.Cleanup(func() {
		infos, err := rt.List(context.Background(), container.ListOptions{All: true})
		assert.NoError(t, err)
		for _, info := range infos {
			ctr, err := rt.Get(context.Background(), info.ID)
			if errors.Is(err, container.ErrNotFound) {
				continue
			}
			if assert.NoError(t, err) {
				assert.NoError(t, ctr.Remove(context.Background(), container.RemoveOptions{Force: true, Volumes: true}))
			}
		}
		assert.NoError(t, rt.Close())
	})
	return &ctrFixture{t: t, ctx: ctx, rt: rt}
}

// create makes a container of busybox (unless cfg names an image).
func (f *ctrFixture) create(cfg container.Config) *container.Container {
	f.t.Helper()
	if cfg.Image == "" {
		cfg.Image = "busybox"
	}
	ctr, err := f.rt.Create(f.ctx, cfg)
	require.NoError(f.t, err)
	return ctr
}

// start creates a container and starts it; it runs until the test ends
// unless its command ends first.
func (f *ctrFixture) start(cfg container.Config) *container.Container {
	f.t.Helper()
	ctr := f.create(cfg)
	require.NoError(f.t, ctr.Start(f.ctx, container.WithStdio(nil, io.Discard, io.Discard)))
	return ctr
}

// runToExit creates a container, runs it and waits for it to exit 0.
func (f *ctrFixture) runToExit(cfg container.Config) *container.Container {
	f.t.Helper()
	ctr := f.create(cfg)
	exited, errc := ctr.Wait(f.ctx, container.WaitNextExit)
	require.NoError(f.t, ctr.Start(f.ctx, container.WithStdio(nil, io.Discard, io.Discard)))
	select {
	case s := <-exited:
		require.Equal(f.t, 0, s.ExitCode, "container %s exited with %d", cfg.Cmd, s.ExitCode)
	case err := <-errc:
		require.NoError(f.t, err)
	}
	return ctr
}

// output runs a container to its end and returns what it printed.
func (f *ctrFixture) output(cfg container.Config) string {
	f.t.Helper()
	var stdout bytes.Buffer
	ctr := f.create(cfg)
	exited, errc := ctr.Wait(f.ctx, container.WaitNextExit)
	require.NoError(f.t, ctr.Start(f.ctx, container.WithStdio(nil, &stdout, io.Discard)))
	select {
	case <-exited:
	case err := <-errc:
		require.NoError(f.t, err)
	}
	return stdout.String()
}

// tarEntry is one entry of an archive, as tests compare them.
type tarEntry struct {
	typ  byte
	mode int64
	uid  int
	link string
	body string
}

// readTarEntries reads a tar stream into a map from entry name (without a
// trailing slash) to entry.
func readTarEntries(t *testing.T, r io.Reader) map[string]tarEntry {
	t.Helper()
	out := map[string]tarEntry{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		body, err := io.ReadAll(tr)
		require.NoError(t, err)
		out[strings.TrimSuffix(h.Name, "/")] = tarEntry{typ: h.Typeflag, mode: h.Mode, uid: h.Uid, link: h.Linkname, body: string(body)}
	}
}

func shScript(script string) []string { return []string{"sh", "-c", script} }

func TestTopShowsTheContainersProcesses(t *testing.T) {
	b := newBerth(t)
	f := newCtrFixture(t, b)
	ctr := f.start(container.Config{Name: "topper", Cmd: shScript("sleep 300 & exec sleep 301")})
	// Until sh has forked and exec'd, top shows "sh -c sleep 300 & exec
	// sleep 301", which names both sleeps too; wait for the sh to be gone.
	require.Eventually(t, func() bool {
		out := b.ok(t, "top", "topper").stdout
		return strings.Contains(out, " sleep 300\n") && strings.Contains(out, " sleep 301\n") && !strings.Contains(out, "sh -c")
	}, 10*time.Second, 50*time.Millisecond)

	r := b.ok(t, "top", "topper")
	lines := r.lines()
	assert.Equal(t, []string{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"}, strings.Fields(lines[0]))
	assert.Regexp(t, `^UID {17}PID {17}PPID`, lines[0], "docker top's cells are at least 20 wide")
	require.Len(t, lines, 3)
	var cmds []string
	for _, line := range lines[1:] {
		row := strings.Fields(line)
		require.GreaterOrEqual(t, len(row), 8, line)
		assert.Equal(t, "root", row[0])
		cmds = append(cmds, strings.Join(row[7:], " "))
	}
	assert.ElementsMatch(t, []string{"sleep 300", "sleep 301"}, cmds)

	// The ID and a prefix of it work as well as the name.
	assert.Equal(t, 3, len(b.ok(t, "top", ctr.ID()[:10]).lines()))
}

func TestTopFailures(t *testing.T) {
	b := newBerth(t)
	f := newCtrFixture(t, b)
	stopped := f.create(container.Config{Name: "idle", Cmd: []string{"true"}})
	f.start(container.Config{Name: "busy", Cmd: []string{"sleep", "300"}})

	b.fails(t, exitError, "Error: No such container: nope\n", "top", "nope")
	b.fails(t, exitError, "Error: container "+stopped.ID()+" is not running\n", "top", "idle")
	b.fails(t, exitError, `ps options "-o pid": not supported`, "top", "busy", "-o", "pid")
	b.fails(t, exitUsage, "requires at least 1 arg", "top")
}
