//go:build linux

package main

import (
	"encoding/json"
	"runtime"
	"strconv"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/testimage"
	"github.com/berth-dev/berth/internal/testregistry"
)

func TestPullPrintsLayerLinesDigestStatusAndFullName(t *testing.T) {
	reg := testregistry.Start(t, testregistry.Options{})
	img := testimage.Busybox(t)
	publish(t, reg.Host+"/tools/busybox:latest", img)
	b := newBerth(t)

	r := b.ok(t, "pull", reg.Host+"/tools/busybox")
	assert.Equal(t, []string{
		"Using default tag: latest",
		"latest: Pulling from tools/busybox",
		shortID(layerDigests(t, img)[0].String()) + ": Pull complete",
		"Digest: " + digestOf(t, img).String(),
		"Status: Downloaded newer image for " + reg.Host + "/tools/busybox:latest",
		reg.Host + "/tools/busybox:latest",
	}, r.lines())

	r = b.ok(t, "pull", reg.Host+"/tools/busybox:latest")
	lines := r.lines()
	assert.Equal(t, "latest: Pulling from tools/busybox", lines[0], "an explicit tag prints no 'Using default tag'")
	assert.Contains(t, lines, "Status: Image is up to date for "+reg.Host+"/tools/busybox:latest")
	assert.Equal(t, reg.Host+"/tools/busybox:latest", lines[len(lines)-1])

	r = b.ok(t, "pull", "-q", reg.Host+"/tools/busybox")
	assert.Equal(t, reg.Host+"/tools/busybox:latest\n", r.stdout)
}

func TestImagesColumnsDigestsFiltersAndFormat(t *testing.T) {
	reg := testregistry.Start(t, testregistry.Options{})
	first := testimage.Busybox(t)
	second := testimage.Image(t, v1.Config{Cmd: []string{"sh", "-c", "echo second"}}, testimage.BusyboxLayer(t))
	ref := reg.Host + "/tools/busybox"
	publish(t, ref+":latest", first)
	b := newBerth(t)
	b.ok(t, "pull", "-q", ref)

	r := b.ok(t, "images")
	lines := r.lines()
	require.Len(t, lines, 2, r.stdout)
	assert.Equal(t, []string{"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"}, fields(lines[0]))
	firstID := configDigestOf(t, first)
	assert.Equal(t, []string{
		ref, "latest", shortID(firstID.String()),
		createdSince(testimage.Epoch, time.Now()),
		humanSize(testimage.ContentSize(t, first)),
	}, fields(lines[1]))

	r = b.ok(t, "images", "--digests")
	lines = r.lines()
	require.Len(t, lines, 2, r.stdout)
	assert.Equal(t, []string{"REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"}, fields(lines[0]))
	assert.Equal(t, []string{ref, "latest", digestOf(t, first).String(), shortID(firstID.String())}, fields(lines[1])[:4])

	assert.Equal(t, shortID(firstID.String())+"\n", b.ok(t, "images", "-q").stdout)
	assert.Equal(t, firstID.String()+"\n", b.ok(t, "images", "-q", "--no-trunc").stdout)

	// Moving the tag to another image leaves the first one dangling.
	publish(t, ref+":latest", second)
	b.ok(t, "pull", "-q", ref)
	secondID := configDigestOf(t, second)

	r = b.ok(t, "images", "--filter", "dangling=true")
	lines = r.lines()
	require.Len(t, lines, 2, r.stdout)
	row := fields(lines[1])
	assert.Equal(t, []string{none, shortID(firstID.String())}, row[1:3], "dangling row: %q", lines[1])
	assert.Equal(t, shortID(firstID.String())+"\n", b.ok(t, "images", "-q", "--filter", "dangling=true").stdout)
	assert.Equal(t, shortID(secondID.String())+"\n", b.ok(t, "images", "-q", "--filter", "dangling=false").stdout)

	assert.Equal(t, ref+":latest\n", b.ok(t, "images", "--filter", "dangling=false", "--format", "{{.Repository}}:{{.Tag}}").stdout)

	r = b.ok(t, "images", "--filter", "dangling=false", "--format", "{{json .}}")
	var decoded map[string]string
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &decoded), r.stdout)
	assert.Equal(t, shortID(secondID.String()), decoded["ID"])
	assert.Equal(t, "latest", decoded["Tag"])

	r = b.ok(t, "images", "--format", "table {{.ID}}\t{{.Tag}}", "--filter", "dangling=false")
	assert.Equal(t, []string{"IMAGE ID", "TAG"}, fields(r.lines()[0]))
}

func TestTagAddsANameThatImagesAndRmiShow(t *testing.T) {
	reg := testregistry.Start(t, testregistry.Options{})
	img := testimage.Busybox(t)
	ref := reg.Host + "/tools/busybox"
	publish(t, ref+":latest", img)
	b := newBerth(t)
	b.ok(t, "pull", "-q", ref)
	id := shortID(configDigestOf(t, img).String())

	r := b.ok(t, "tag", ref, "mybox:v1")
	assert.Empty(t, r.stdout)
	r = b.ok(t, "images", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}")
	assert.ElementsMatch(t, []string{id + " mybox:v1", id + " " + ref + ":latest"}, r.lines())

	r = b.ok(t, "images", "mybox")
	require.Len(t, r.lines(), 2, r.stdout)
	assert.Equal(t, []string{"mybox", "v1", id}, fields(r.lines()[1])[:3])

	r = b.ok(t, "image", "tag", "mybox:v1", "mybox:v2")
	assert.Equal(t, "mybox:v2\n", b.ok(t, "image", "ls", "--format", "{{.Repository}}:{{.Tag}}", "--filter", "reference=*:v2").stdout)

	assert.Equal(t, "Untagged: mybox:v1\n", b.ok(t, "rmi", "mybox:v1").stdout)
	assert.Equal(t, "Untagged: mybox:v2\n", b.ok(t, "image", "rm", "mybox:v2").stdout)

	r = b.ok(t, "rmi", ref)
	assert.Equal(t, "Untagged: "+ref+":latest", r.lines()[0])
	assert.Contains(t, r.lines(), "Untagged: "+ref+"@"+digestOf(t, img).String())
	assert.Equal(t, "Deleted: "+configDigestOf(t, img).String(), r.lines()[len(r.lines())-1])
	assert.Empty(t, b.ok(t, "images", "-q").stdout)

	b.fails(t, exitError, "mybox:v1", "rmi", "mybox:v1")
}

func TestHistoryShowsEachStep(t *testing.T) {
	reg := testregistry.Start(t, testregistry.Options{})
	img := testimage.Busybox(t)
	ref := reg.Host + "/tools/busybox"
	publish(t, ref+":latest", img)
	b := newBerth(t)
	b.ok(t, "pull", "-q", ref)

	size := testimage.ContentSize(t, img) // the unpacked size, as docker shows
	id := configDigestOf(t, img).String()

	r := b.ok(t, "history", ref)
	lines := r.lines()
	require.Len(t, lines, 2, r.stdout)
	assert.Equal(t, []string{"IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"}, fields(lines[0]))
	assert.Equal(t, []string{shortID(id), createdSince(testimage.Epoch, time.Now()), "testimage layer 0", humanSize(size)}, fields(lines[1]))

	assert.Equal(t, shortID(id)+"\n", b.ok(t, "history", "-q", ref).stdout)
	assert.Equal(t, id+"\n", b.ok(t, "image", "history", "-q", "--no-trunc", ref).stdout)
	r = b.ok(t, "history", "--human=false", "--format", "{{.Size}}", ref)
	assert.Equal(t, strconv.FormatInt(size, 10)+"\n", r.stdout)
}

func TestImageInspectShowsDockerFields(t *testing.T) {
	reg := testregistry.Start(t, testregistry.Options{})
	img := testimage.Image(t, v1.Config{
		Entrypoint:   []string{"/bin/sh", "-c"},
		Cmd:          []string{"echo hi"},
		Env:          []string{"PATH=/bin", "GREETING=hi"},
		ExposedPorts: map[string]struct{}{"80/tcp": {}, "53/udp": {}},
		Volumes:      map[string]struct{}{"/data": {}},
		WorkingDir:   "/srv",
		User:         "nobody",
		Labels:       map[string]string{"org.example.role": "web"},
		StopSignal:   "SIGINT",
		Healthcheck:  &v1.HealthConfig{Test: []string{"CMD", "true"}, Interval: 5 * time.Second},
	}, testimage.BusyboxLayer(t))
	ref := reg.Host + "/tools/web:1.0"
	publish(t, ref, img)
	b := newBerth(t)
	b.ok(t, "pull", "-q", ref)

	r := b.ok(t, "image", "inspect", ref)
	var got []struct {
		ID           string `json:"Id"`
		RepoTags     []string
		RepoDigests  []string
		Created      string
		Size         int64
		Architecture string
		Os           string
		Config       struct {
			Entrypoint   []string
			Cmd          []string
			Env          []string
			ExposedPorts map[string]struct{}
			Volumes      map[string]struct{}
			WorkingDir   string
			User         string
			Labels       map[string]string
			StopSignal   string
			Healthcheck  *v1.HealthConfig
		}
		RootFS struct {
			Type   string
			Layers []string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got), r.stdout)
	require.Len(t, got, 1)
	i := got[0]
	assert.Equal(t, configDigestOf(t, img).String(), i.ID)
	assert.Equal(t, []string{ref}, i.RepoTags)
	assert.Equal(t, []string{reg.Host + "/tools/web@" + digestOf(t, img).String()}, i.RepoDigests)
	assert.Equal(t, "2024-01-02T03:04:05Z", i.Created)
	assert.Equal(t, testimage.ContentSize(t, img), i.Size)
	assert.Equal(t, runtime.GOARCH, i.Architecture)
	assert.Equal(t, "linux", i.Os)
	assert.Equal(t, []string{"/bin/sh", "-c"}, i.Config.Entrypoint)
	assert.Equal(t, []string{"echo hi"}, i.Config.Cmd)
	assert.Equal(t, []string{"PATH=/bin", "GREETING=hi"}, i.Config.Env)
	assert.Equal(t, map[string]struct{}{"80/tcp": {}, "53/udp": {}}, i.Config.ExposedPorts)
	assert.Equal(t, map[string]struct{}{"/data": {}}, i.Config.Volumes)
	assert.Equal(t, "/srv", i.Config.WorkingDir)
	assert.Equal(t, "nobody", i.Config.User)
	assert.Equal(t, map[string]string{"org.example.role": "web"}, i.Config.Labels)
	assert.Equal(t, "SIGINT", i.Config.StopSignal)
	require.NotNil(t, i.Config.Healthcheck)
	assert.Equal(t, []string{"CMD", "true"}, i.Config.Healthcheck.Test)
	assert.Equal(t, 5*time.Second, i.Config.Healthcheck.Interval)
	assert.Equal(t, "layers", i.RootFS.Type)
	cf, err := img.ConfigFile()
	require.NoError(t, err)
	require.Len(t, i.RootFS.Layers, 1)
	assert.Equal(t, cf.RootFS.DiffIDs[0].String(), i.RootFS.Layers[0])
	assert.Contains(t, r.stdout, "\n    {", "indented with four spaces as docker")

	assert.Equal(t, r.stdout, b.ok(t, "inspect", ref).stdout, "inspect is image inspect")
	assert.Equal(t, "linux/"+runtime.GOARCH+"\n", b.ok(t, "image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", ref).stdout)

	r = b.fails(t, exitError, "nope:1", "image", "inspect", ref, "nope:1")
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got), "the images found are still shown: %s", r.stdout)
	assert.Len(t, got, 1)
}
