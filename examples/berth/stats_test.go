//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/container"
)

func TestStatsRowsUseDockersUnits(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stats *container.Stats
		want  statsRow
	}{{
		name: "running",
		stats: &container.Stats{
			CPUPercent: 12.345, MemoryUsage: 1536 * 1024, MemoryLimit: 64 << 20, MemoryPercent: 2.34375,
			NetRx: 1234, NetTx: 0, BlockRead: 4_500_000, BlockWrite: 1_000_000_000, Pids: 3,
		},
		want: statsRow{
			Container: "web", ID: "0123456789ab", Name: "web",
			CPUPerc: "12.35%", MemUsage: "1.5MiB / 64MiB", MemPerc: "2.34%",
			NetIO: "1.23kB / 0B", BlockIO: "4.5MB / 1GB", PIDs: "3",
		},
	}, {
		name:  "not running",
		stats: &container.Stats{},
		want: statsRow{
			Container: "web", ID: "0123456789ab", Name: "web",
			CPUPerc: "0.00%", MemUsage: "0B / 0B", MemPerc: "0.00%",
			NetIO: "0B / 0B", BlockIO: "0B / 0B", PIDs: "0",
		},
	}, {
		name: "unreadable",
		want: statsRow{
			Container: "web", ID: "0123456789ab", Name: "web",
			CPUPerc: "--", MemUsage: "-- / --", MemPerc: "--",
			NetIO: "--", BlockIO: "--", PIDs: "--",
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, newStatsRow("web", "0123456789ab", "web", tc.stats))
		})
	}
	assert.Equal(t, "--", newStatsRow("x", "id", "", nil).Name, "a container without a name")
}

func TestStatsNoStream(t *testing.T) {
	b := newBerth(t)
	f := newCtrFixture(t, b)
	busy := f.start(container.Config{Name: "busy", Cmd: []string{"sleep", "300"},
		Resources: container.Resources{Memory: 64 << 20}})
	idle := f.create(container.Config{Name: "idle", Cmd: []string{"true"}})

	r := b.ok(t, "stats", "--no-stream", "busy")
	lines := r.lines()
	require.Len(t, lines, 2)
	assert.Equal(t, []string{"CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"}, fields(lines[0]))
	row := fields(lines[1])
	require.Len(t, row, 8, lines[1])
	assert.Equal(t, busy.ShortID(), row[0])
	assert.Equal(t, "busy", row[1])
	assert.Regexp(t, `^\d+\.\d\d%$`, row[2])
	assert.Regexp(t, `^[\d.]+(B|KiB|MiB) / 64MiB$`, row[3])
	assert.Regexp(t, `^\d+\.\d\d%$`, row[4])
	assert.Equal(t, "0B / 0B", row[5], "network none has only loopback")
	assert.Regexp(t, `^[\d.]+[kMG]?B / [\d.]+[kMG]?B$`, row[6])
	assert.Equal(t, "1", row[7])

	// A container that is not running shows zeros, as in docker.
	r = b.ok(t, "stats", "--no-stream", "idle")
	assert.Equal(t, []string{idle.ShortID(), "idle", "0.00%", "0B / 0B", "0.00%", "0B / 0B", "0B / 0B", "0"}, fields(r.lines()[1]))

	// Without names: the running containers, or every one with --all.
	r = b.ok(t, "stats", "--no-stream", "--format", "{{.Name}}")
	assert.Equal(t, "busy\n", r.stdout)
	r = b.ok(t, "stats", "--no-stream", "--all", "--format", "{{.Name}}")
	assert.ElementsMatch(t, []string{"busy", "idle"}, r.lines())

	r = b.ok(t, "stats", "--no-stream", "--no-trunc", "--format", "{{.Container}} {{.ID}} {{.PIDs}}", "busy", idle.ShortID())
	assert.Equal(t, "busy "+busy.ID()+" 1\n"+idle.ShortID()+" "+idle.ID()+" 0\n", r.stdout)

	r = b.ok(t, "stats", "--no-stream", "--format", "json", "idle")
	var got map[string]string
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, map[string]string{
		"BlockIO": "0B / 0B", "CPUPerc": "0.00%", "Container": "idle", "ID": idle.ShortID(), "MemPerc": "0.00%",
		"MemUsage": "0B / 0B", "Name": "idle", "NetIO": "0B / 0B", "PIDs": "0",
	}, got)
	assert.True(t, strings.HasPrefix(r.stdout, `{"BlockIO":`), "keys in docker's order: %s", r.stdout)

	r = b.ok(t, "stats", "--no-stream", "--format", "table {{.Name}}\t{{.PIDs}}", "busy")
	assert.Equal(t, [][]string{{"NAME", "PIDS"}, {"busy", "1"}}, [][]string{fields(r.lines()[0]), fields(r.lines()[1])})
}

func TestStatsFailures(t *testing.T) {
	b := newBerth(t)
	newCtrFixture(t, b)
	r := b.fails(t, exitError, "No such container: nope", "stats", "--no-stream", "nope", "gone")
	assert.Contains(t, r.stderr, "No such container: gone", "every missing container is reported")
	assert.Empty(t, r.stdout)
	b.fails(t, exitError, "template parsing error", "stats", "--no-stream", "--format", "{{.Name")
	// Nothing running: nothing to show, not even a header.
	assert.Empty(t, b.ok(t, "stats", "--no-stream").stdout)
}

func TestStatsStreamsUntilInterrupted(t *testing.T) {
	b := newBerth(t)
	f := newCtrFixture(t, b)
	f.start(container.Config{Name: "busy", Cmd: []string{"sleep", "300"}})

	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"stats", "--format", "{{.Name}} {{.PIDs}}"}, streams{
		stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: b.env,
	})
	require.Equal(t, exitOK, code, stderr.String())
	frames := strings.Split(stdout.String(), "\033[H")[1:]
	require.GreaterOrEqual(t, len(frames), 2, "a frame a second: %q", stdout.String())
	for _, frame := range frames {
		assert.Equal(t, "busy 1\033[K\n\033[K\n\033[J", frame, "each frame redraws from home and clears what is left")
	}
}
