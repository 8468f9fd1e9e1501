//go:build linux

package main

import (
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/container"
)

func TestContainerPrune(t *testing.T) {
	b := newBerth(t)
	f := newCtrFixture(t, b)
	assert.Equal(t, "Total reclaimed space: 0B\n", b.ok(t, "container", "prune", "--force").stdout, "nothing to prune")

	exited := f.runToExit(container.Config{Name: "exited", Cmd: []string{"sh", "-c", "head -c 2000 /dev/zero > /data"}})
	created := f.create(container.Config{Name: "created", Cmd: []string{"true"}})
	running := f.start(container.Config{Name: "running", Cmd: []string{"sleep", "300"}})

	const question = "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] "
	r := b.runWithStdin(t, strings.NewReader("no\n"), "container", "prune")
	assert.Equal(t, exitError, r.code, "declining cancels with status 1, as docker")
	assert.Equal(t, question, r.stdout)
	assert.Empty(t, r.stderr)
	_, err := f.rt.Get(f.ctx, "exited")
	require.NoError(t, err, "nothing removed")

	r = b.runWithStdin(t, strings.NewReader("y\n"), "container", "prune")
	require.Equal(t, exitOK, r.code, r.stderr)
	out, ok := strings.CutPrefix(r.stdout, question+"Deleted Containers:\n")
	require.True(t, ok, r.stdout)
	ids, ok := strings.CutSuffix(out, "\n\nTotal reclaimed space: 2kB\n")
	require.True(t, ok, r.stdout)
	got := strings.Split(ids, "\n")
	sort.Strings(got)
	want := []string{exited.ID(), created.ID()}
	sort.Strings(want)
	assert.Equal(t, want, got, "full IDs of the stopped containers")

	for _, name := range []string{"exited", "created"} {
		_, err := f.rt.Get(f.ctx, name)
		assert.ErrorIs(t, err, container.ErrNotFound, name)
	}
	_, err = f.rt.Get(f.ctx, running.ID())
	assert.NoError(t, err, "a running container stays")
	b.fails(t, exitUsage, `unknown command "extra" for "berth container prune"`, "container", "prune", "-f", "extra")
}
