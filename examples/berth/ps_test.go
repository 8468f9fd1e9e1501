//go:build linux

package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/container"
)

func TestContainerStatus(t *testing.T) {
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		state container.State
		want  string
	}{
		{container.State{Status: container.StatusCreated}, "Created"},
		{container.State{Status: container.StatusRunning, Running: true, StartedAt: now.Add(-2 * time.Second)}, "Up 2 seconds"},
		{container.State{Status: container.StatusRunning, Running: true, StartedAt: now}, "Up Less than a second"},
		{container.State{Status: container.StatusRunning, Running: true, StartedAt: now.Add(-3 * time.Hour)}, "Up 3 hours"},
		{container.State{Status: container.StatusExited, ExitCode: 137, StartedAt: now.Add(-time.Hour), FinishedAt: now.Add(-3 * time.Second)}, "Exited (137) 3 seconds ago"},
		{container.State{Status: container.StatusExited, StartedAt: now.Add(-time.Hour), FinishedAt: now.Add(-90 * time.Second)}, "Exited (0) About a minute ago"},
		{container.State{Status: container.StatusDead, Dead: true, StartedAt: now}, "Dead"},
		{container.State{Status: container.StatusRemoving, StartedAt: now}, "Removal In Progress"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, containerStatus(tt.state, now))
	}
}

func TestContainerImageColumn(t *testing.T) {
	id := "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for ref, want := range map[string]string{
		"busybox":                          "busybox",
		"busybox:1.36":                     "busybox:1.36",
		"docker.io/library/busybox:latest": "busybox:latest",
		"docker.io/library/busybox":        "busybox",
		"host:5000/team/app:v1":            "host:5000/team/app:v1",
		"busybox@sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210": "busybox",
		"0123456789ab": "0123456789ab",
		id:             "0123456789ab",
		"":             "<no image>",
	} {
		info := &container.Info{Image: id, ImageRef: ref}
		assert.Equal(t, want, containerImage(info, true), ref)
	}
	assert.Equal(t, "docker.io/library/busybox", containerImage(&container.Info{Image: id, ImageRef: "docker.io/library/busybox"}, false), "--no-trunc shows it as given")
}

func TestPsFormatsFiltersAndLimits(t *testing.T) {
	b := newContainerBerth(t)
	b.ok(t, "run", "--name", "first", "-l", "role=batch", "busybox", "true")
	b.run(t, "run", "--name", "second", "busybox", "sh", "-c", "exit 3")
	id := b.runDetached(t, "--name", "third", "-l", "role=web", "-v", "data:/data", "busybox", "sleep", "1000")

	assert.Equal(t, "third\n", b.ok(t, "ps", "--format", "{{.Names}}").stdout)
	assert.Equal(t, "third\nsecond\nfirst\n", b.ok(t, "ps", "-a", "--format", "{{.Names}}").stdout, "newest first")
	assert.Equal(t, id[:12]+"\n", b.ok(t, "ps", "-q").stdout)
	assert.Equal(t, id+"\n", b.ok(t, "ps", "-q", "--no-trunc").stdout)

	r := b.ok(t, "ps", "-q", "--format", "{{.Names}}")
	assert.Equal(t, id[:12]+"\n", r.stdout)
	assert.Equal(t, "WARNING: Ignoring custom format, because both --format and --quiet are set.\n", r.stderr)

	assert.Equal(t, "second\nfirst\n", b.ok(t, "ps", "--filter", "status=exited", "--format", "{{.Names}}").stdout, "a status filter includes stopped containers")
	assert.Equal(t, "second\n", b.ok(t, "ps", "-a", "--filter", "exited=3", "--format", "{{.Names}}").stdout)
	assert.Equal(t, "third\nfirst\n", b.ok(t, "ps", "-a", "--filter", "label=role", "--format", "{{.Names}}").stdout)
	assert.Equal(t, "first\n", b.ok(t, "ps", "-a", "--filter", "label=role=batch", "--format", "{{.Names}}").stdout)
	assert.Equal(t, "third\nsecond\n", b.ok(t, "ps", "-a", "--filter", "name=^(second|third)$", "--format", "{{.Names}}").stdout)
	assert.Equal(t, "third\nsecond\n", b.ok(t, "ps", "-n", "2", "--format", "{{.Names}}").stdout, "-n includes stopped containers")
	assert.Equal(t, "third\n", b.ok(t, "ps", "-l", "--format", "{{.Names}}").stdout)

	r = b.ok(t, "ps", "--format", "{{.ID}}|{{.Image}}|{{.Command}}|{{.State}}|{{.Label \"role\"}}|{{.Labels}}|{{.Mounts}}|{{.LocalVolumes}}|{{.Networks}}|{{.Ports}}")
	assert.Equal(t, id[:12]+`|busybox|"sleep 1000"|running|web|role=web|data|1|none|`+"\n", r.stdout)

	r = b.ok(t, "ps", "--no-trunc", "--format", "{{.Command}}", "-a", "--filter", "name=second")
	assert.Equal(t, `"sh -c exit 3"`+"\n", r.stdout)

	r = b.ok(t, "ps", "--format", "table {{.Names}}\t{{.Status}}")
	lines := r.lines()
	require.Len(t, lines, 2)
	assert.Equal(t, []string{"NAMES", "STATUS"}, fields(lines[0]))
	assert.Equal(t, "third", fields(lines[1])[0])

	var row map[string]string
	require.NoError(t, json.Unmarshal([]byte(b.ok(t, "ps", "--format", "json").stdout), &row))
	assert.Equal(t, id[:12], row["ID"])
	assert.Equal(t, "third", row["Names"])
	assert.Equal(t, "running", row["State"])
	assert.True(t, strings.HasPrefix(row["Status"], "Up "), row["Status"])

	b.fails(t, exitError, "bad format of filter (expected name=value): status", "ps", "--filter", "status")
	b.fails(t, exitError, "invalid filter 'colour'", "ps", "--filter", "colour=red")
	b.fails(t, exitError, "template parsing error", "ps", "--format", "{{.ID")
	b.fails(t, exitUsage, "unknown command", "container", "frobnicate")
	assert.Equal(t, b.ok(t, "ps", "-a", "-q").stdout, b.ok(t, "container", "ls", "-a", "-q").stdout)
}

func TestPsAndInspectSizes(t *testing.T) {
	b := newContainerBerth(t)
	b.ok(t, "run", "--name", "writer", "busybox", "sh", "-c", "head -c 1500 /dev/zero > /data")
	var imageSize int64
	require.NoError(t, json.Unmarshal([]byte(b.ok(t, "image", "inspect", "--format", "{{.Size}}", "busybox").stdout), &imageSize))
	virtual := humanSize(imageSize + 1500)

	// -s adds SIZE to the default table: the writable layer, and all of
	// the container's files.
	lines := b.ok(t, "ps", "-a", "-s").lines()
	require.Len(t, lines, 2)
	assert.True(t, strings.HasSuffix(lines[0], "NAMES     SIZE"), lines[0])
	assert.True(t, strings.HasSuffix(lines[1], "writer    1.5kB (virtual "+virtual+")"), lines[1])
	assert.NotContains(t, b.ok(t, "ps", "-a").lines()[0], "SIZE", "no SIZE without -s")
	assert.Equal(t, lines[0], b.ok(t, "ps", "-a", "-s", "--format", "table").lines()[0], "a bare table is the default table")
	assert.Equal(t, "1.5kB (virtual "+virtual+")\n", b.ok(t, "ps", "-a", "--format", "{{.Size}}").stdout, ".Size measures without -s")
	assert.Len(t, b.ok(t, "ps", "-a", "-s", "-q").lines(), 1, "-q ignores -s")

	var row map[string]string
	require.NoError(t, json.Unmarshal([]byte(b.ok(t, "ps", "-a", "--format", "json").stdout), &row))
	assert.Equal(t, "0B", row["Size"], "json without -s does not measure")
	require.NoError(t, json.Unmarshal([]byte(b.ok(t, "ps", "-a", "-s", "--format", "json").stdout), &row))
	assert.Equal(t, "1.5kB (virtual "+virtual+")", row["Size"])

	var objs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(b.ok(t, "inspect", "-s", "writer").stdout), &objs))
	require.Len(t, objs, 1)
	assert.Equal(t, float64(1500), objs[0]["SizeRw"])
	assert.Equal(t, float64(imageSize+1500), objs[0]["SizeRootFs"])
	var plain []map[string]any
	require.NoError(t, json.Unmarshal([]byte(b.ok(t, "container", "inspect", "writer").stdout), &plain))
	require.Len(t, plain, 1)
	assert.NotContains(t, plain[0], "SizeRw", "sizes only with -s")
	assert.Equal(t, "1500\n", b.ok(t, "container", "inspect", "--size", "--format", "{{.SizeRw}}", "writer").stdout)
}
