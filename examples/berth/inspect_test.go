//go:build linux

package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInspectContainersAndImages(t *testing.T) {
	b := newContainerBerth(t)
	id := b.runDetached(t, "--name", "web", "-l", "tier=front", "-m", "32m", "-v", "data:/data", "busybox", "sleep", "1000")
	b.ok(t, "create", "--name", "echo", "--entrypoint", "echo", "busybox", "hi")

	var objs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(b.ok(t, "inspect", "web").stdout), &objs))
	require.Len(t, objs, 1)
	obj := objs[0]
	assert.Equal(t, id, obj["Id"])
	assert.Equal(t, "/web", obj["Name"])
	assert.Equal(t, "sleep", obj["Path"])
	state := obj["State"].(map[string]any)
	assert.Equal(t, "running", state["Status"])
	assert.Equal(t, true, state["Running"])
	assert.NotZero(t, state["Pid"])
	config := obj["Config"].(map[string]any)
	assert.Equal(t, "busybox", config["Image"])
	assert.Equal(t, []any{"sleep", "1000"}, config["Cmd"])
	assert.Nil(t, config["Entrypoint"])
	assert.Equal(t, map[string]any{"tier": "front"}, config["Labels"])
	host := obj["HostConfig"].(map[string]any)
	assert.Equal(t, "none", host["NetworkMode"])
	assert.Equal(t, float64(32<<20), host["Memory"])
	mounts := obj["Mounts"].([]any)
	require.Len(t, mounts, 1)
	assert.Equal(t, "data", mounts[0].(map[string]any)["Name"])
	assert.Equal(t, "/data", mounts[0].(map[string]any)["Destination"])

	assert.Equal(t, id+"\n", b.ok(t, "inspect", "--format", "{{.Id}}", "web").stdout, "a JSON-only name works, as in docker")
	assert.Equal(t, "running true /web\n", b.ok(t, "container", "inspect", "-f", "{{.State.Status}} {{.State.Running}} {{.Name}}", "web").stdout)
	assert.Equal(t, `["echo"] ["hi"]`+"\n", b.ok(t, "inspect", "-f", "{{json .Config.Entrypoint}} {{json .Config.Cmd}}", "echo").stdout)
	assert.Equal(t, `["sh"]`+"\n", b.ok(t, "inspect", "-f", "{{json .Config.Cmd}}", b.ok(t, "create", "busybox").stdout[:12]).stdout, "the image's command")

	r := b.ok(t, "inspect", "-f", "{{.Id}}", "busybox", "web")
	lines := r.lines()
	require.Len(t, lines, 2)
	assert.True(t, strings.HasPrefix(lines[0], "sha256:"), "an image: %s", lines[0])
	assert.Equal(t, id, lines[1])
	assert.Contains(t, b.ok(t, "inspect", "--type", "image", "busybox").stdout, `"busybox:latest"`)

	r = b.fails(t, exitError, "no such object: nosuch", "inspect", "nosuch")
	assert.Equal(t, "[]\n", r.stdout)
	r = b.fails(t, exitError, "no such object: nosuch", "inspect", "-f", "{{.Name}}", "web", "nosuch")
	assert.Equal(t, "/web\n", r.stdout, "what exists is shown")
	b.fails(t, exitError, "no such container", "container", "inspect", "busybox")
	b.fails(t, exitError, "no such container", "inspect", "--type", "container", "busybox")
	b.fails(t, exitError, "no such image: web", "image", "inspect", "web")
	b.fails(t, exitError, `"volume" is not a valid value for --type`, "inspect", "--type", "volume", "web")
}
