//go:build linux

package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/testimage"
	"github.com/berth-dev/berth/registryclient"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	ctx := context.Background()
	src, _ := openStore(t)
	bb := mustWrite(t, src, testimage.Busybox(t), "busybox", "busybox:stable")
	multi := mustWrite(t, src, randomImage(t, 1024, 3), "localhost:5000/team/multi:v1")

	var archive bytes.Buffer
	require.NoError(t, src.Save(ctx, &archive, "busybox", "busybox:stable", "localhost:5000/team/multi:v1"))
	names := tarNames(t, archive.Bytes())
	require.Contains(t, names, "manifest.json")
	require.Contains(t, names, "repositories")
	require.Contains(t, names, "oci-layout")
	require.Contains(t, names, "index.json")
	require.Contains(t, names, blobName(bb.ID))

	var manifest []archiveManifestEntry
	require.NoError(t, json.Unmarshal(tarFile(t, archive.Bytes(), "manifest.json"), &manifest))
	require.Len(t, manifest, 2)
	require.Equal(t, blobName(bb.ID), manifest[0].Config)
	require.Equal(t, []string{"busybox:latest", "busybox:stable"}, manifest[0].RepoTags)
	require.Equal(t, []string{blobName(bb.Layers[0].DiffID)}, manifest[0].Layers, "layers are stored uncompressed, named by diffID")
	var repositories map[string]map[string]string
	require.NoError(t, json.Unmarshal(tarFile(t, archive.Bytes(), "repositories"), &repositories))
	require.Equal(t, bb.Layers[0].DiffID.Hex, repositories["busybox"]["latest"])
	var index v1.IndexManifest
	require.NoError(t, json.Unmarshal(tarFile(t, archive.Bytes(), "index.json"), &index))
	require.Len(t, index.Manifests, 3)
	require.Equal(t, "docker.io/library/busybox:latest", index.Manifests[0].Annotations[annotationImageName])
	require.Equal(t, "latest", index.Manifests[0].Annotations[annotationRefName])

	for _, compress := range []bool{false, true} {
		dst, root := openStore(t)
		input := archive.Bytes()
		if compress {
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			_, err := zw.Write(input)
			require.NoError(t, err)
			require.NoError(t, zw.Close())
			input = gz.Bytes()
		}
		loaded, err := dst.Load(ctx, bytes.NewReader(input))
		require.NoError(t, err)
		require.Len(t, loaded, 2)
		require.Equal(t, bb.ID, loaded[0].ID, "the image ID survives save and load")
		require.Equal(t, multi.ID, loaded[1].ID)
		require.Equal(t, []string{"busybox:latest", "busybox:stable"}, loaded[0].RepoTags)
		require.Equal(t, string(types.DockerUncompressedLayer), loaded[0].Layers[0].MediaType)
		require.Equal(t, loaded[0].Layers[0].DiffID, loaded[0].Layers[0].Digest)
		got, err := dst.Get(ctx, "localhost:5000/team/multi:v1")
		require.NoError(t, err)
		require.Len(t, got.Layers, 3)
		require.Empty(t, ingestFiles(t, root))

		// A loaded image saves again to the same archive content.
		var again bytes.Buffer
		require.NoError(t, dst.Save(ctx, &again, "busybox"))
		require.Equal(t, tarFile(t, archive.Bytes(), blobName(bb.Layers[0].DiffID)), tarFile(t, again.Bytes(), blobName(bb.Layers[0].DiffID)))
	}
}

func TestLoadOCILayoutTar(t *testing.T) {
	ctx := context.Background()
	src, _ := openStore(t)
	img := mustWrite(t, src, randomImage(t, 512, 2), "oci/app:1")
	dir := t.TempDir()
	require.NoError(t, src.ExportOCI(ctx, dir, "oci/app:1"))

	dst, _ := openStore(t)
	loaded, err := dst.Load(ctx, bytes.NewReader(tarDir(t, dir)))
	require.NoError(t, err)
	require.Len(t, loaded, 1)
	require.Equal(t, img.ID, loaded[0].ID)
	require.Equal(t, img.Layers[0].Digest, loaded[0].Layers[0].Digest, "an OCI layout keeps the compressed blobs")
	require.Equal(t, []string{"oci/app:1"}, loaded[0].RepoTags)
}

func TestLoadRejectsBadArchives(t *testing.T) {
	ctx := context.Background()
	src, _ := openStore(t)
	bb := mustWrite(t, src, testimage.Busybox(t), "busybox")
	var good bytes.Buffer
	require.NoError(t, src.Save(ctx, &good, "busybox"))
	layerPath := blobName(bb.Layers[0].DiffID)

	cases := map[string][]tarEntry{
		"dot-dot path":   append(tarEntries(t, good.Bytes()), tarEntry{name: "../escape", body: []byte("x")}),
		"absolute path":  append(tarEntries(t, good.Bytes()), tarEntry{name: "/etc/escape", body: []byte("x")}),
		"missing layer":  without(tarEntries(t, good.Bytes()), layerPath),
		"missing config": without(tarEntries(t, good.Bytes()), blobName(bb.ID)),
		"wrong layer": replaced(tarEntries(t, good.Bytes()), layerPath, func(b []byte) []byte {
			return append(append([]byte(nil), b[:len(b)-1]...), b[len(b)-1]^1)
		}),
		"no manifest":      without(without(tarEntries(t, good.Bytes()), "manifest.json"), "index.json"),
		"garbage manifest": replaced(tarEntries(t, good.Bytes()), "manifest.json", func([]byte) []byte { return []byte("{") }),
		"link escaping":    append(tarEntries(t, good.Bytes()), tarEntry{name: "l", link: "../../x"}),
	}
	for name, entries := range cases {
		t.Run(name, func(t *testing.T) {
			dst, root := openStore(t)
			before := storeState(t, root)
			_, err := dst.Load(ctx, bytes.NewReader(makeTar(t, entries)))
			require.ErrorIs(t, err, ErrInvalid)
			require.Equal(t, before, storeState(t, root))
		})
	}

	// An OCI layout with a blob whose content does not match its name.
	dir := t.TempDir()
	require.NoError(t, src.ExportOCI(ctx, dir, "busybox"))
	configPath := filepath.Join(dir, "blobs", "sha256", bb.ID.Hex)
	require.NoError(t, os.WriteFile(configPath, []byte(`{"rootfs":{"type":"layers","diff_ids":[]}}`), 0o644))
	dst, root := openStore(t)
	before := storeState(t, root)
	_, err := dst.ImportOCI(ctx, dir)
	require.ErrorIs(t, err, registryclient.ErrDigestMismatch)
	require.Equal(t, before, storeState(t, root))
}

func TestLoadLegacyDockerArchive(t *testing.T) {
	ctx := context.Background()
	src, _ := openStore(t)
	bb := mustWrite(t, src, testimage.Busybox(t), "busybox")
	var saved bytes.Buffer
	require.NoError(t, src.Save(ctx, &saved, "busybox"))
	layer := tarFile(t, saved.Bytes(), blobName(bb.Layers[0].DiffID))
	config := tarFile(t, saved.Bytes(), blobName(bb.ID))
	// The pre-25 layout: <id>.json config, <id>/layer.tar (here gzipped and
	// reached through a symlink, as docker dedupes layers), manifest.json last.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, err := zw.Write(layer)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	manifest, err := json.Marshal([]archiveManifestEntry{{Config: bb.ID.Hex + ".json", RepoTags: []string{"legacy:1"}, Layers: []string{"abc/layer.tar"}}})
	require.NoError(t, err)
	archive := makeTar(t, []tarEntry{
		{name: "./" + bb.ID.Hex + ".json", body: config},
		{name: "def/", dir: true},
		{name: "def/layer.tar", body: gz.Bytes()},
		{name: "abc/layer.tar", link: "../def/layer.tar"},
		{name: "manifest.json", body: manifest},
	})
	dst, _ := openStore(t)
	loaded, err := dst.Load(ctx, bytes.NewReader(archive))
	require.NoError(t, err)
	require.Len(t, loaded, 1)
	require.Equal(t, bb.ID, loaded[0].ID)
	require.Equal(t, []string{"legacy:1"}, loaded[0].RepoTags)
	require.Equal(t, string(types.DockerLayer), loaded[0].Layers[0].MediaType)
}

func TestExportImportOCI(t *testing.T) {
	ctx := context.Background()
	src, _ := openStore(t)
	img := mustWrite(t, src, testimage.Busybox(t), "busybox:1.36")
	other := mustWrite(t, src, randomImage(t, 256, 1), "other")
	dir := filepath.Join(t.TempDir(), "layout")
	require.NoError(t, src.ExportOCI(ctx, dir, "busybox:1.36"))
	require.NoError(t, src.ExportOCI(ctx, dir, "other", "busybox:1.36")) // appends; replaces same tag

	var index v1.IndexManifest
	data, err := os.ReadFile(filepath.Join(dir, "index.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &index))
	require.Len(t, index.Manifests, 2)

	dst, _ := openStore(t)
	imported, err := dst.ImportOCI(ctx, dir)
	require.NoError(t, err)
	require.Len(t, imported, 2)
	got, err := dst.Get(ctx, "busybox:1.36")
	require.NoError(t, err)
	require.Equal(t, img.ID, got.ID)
	require.Equal(t, img.Layers[0].Digest, got.Layers[0].Digest, "compressed layers are exported as stored")
	require.Equal(t, string(types.OCILayer), got.Layers[0].MediaType, "Docker media types become OCI ones")
	got, err = dst.Get(ctx, "other")
	require.NoError(t, err)
	require.Equal(t, other.ID, got.ID)

	_, err = dst.ImportOCI(ctx, t.TempDir())
	require.ErrorIs(t, err, ErrInvalid)
}

func TestSkopeoInterop(t *testing.T) {
	skopeo, err := exec.LookPath("skopeo")
	require.NoError(t, err, "make test installs skopeo")
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(skopeo, append([]string{"--insecure-policy"}, args...)...).CombinedOutput()
		require.NoError(t, err, "skopeo %v: %s", args, out)
		return string(out)
	}
	ctx := context.Background()
	s, _ := openStore(t)
	img := mustWrite(t, s, testimage.Busybox(t), "busybox:1.36")
	tmp := t.TempDir()

	t.Run("save is a docker-archive", func(t *testing.T) {
		archive := filepath.Join(tmp, "saved.tar")
		f, err := os.Create(archive)
		require.NoError(t, err)
		require.NoError(t, s.Save(ctx, f, "busybox:1.36"))
		require.NoError(t, f.Close())
		// dir: keeps the config as it is in the archive.
		dir := filepath.Join(tmp, "from-archive-dir")
		run("copy", "docker-archive:"+archive, "dir:"+dir)
		require.FileExists(t, filepath.Join(dir, img.ID.Hex), "the config, hence the image ID, is unchanged")
		// oci: converts the Docker config to an OCI one, same layers.
		out := filepath.Join(tmp, "from-archive")
		run("copy", "docker-archive:"+archive, "oci:"+out+":t")
		cfg := layoutConfig(t, out, "t")
		require.Equal(t, []v1.Hash{img.Layers[0].DiffID}, cfg.RootFS.DiffIDs)
	})
	t.Run("export is an oci layout", func(t *testing.T) {
		dir := filepath.Join(tmp, "exported")
		require.NoError(t, s.ExportOCI(ctx, dir, "busybox:1.36"))
		copyDir := filepath.Join(tmp, "copied")
		run("copy", "oci:"+dir+":1.36", "oci:"+copyDir+":1.36")
		require.Equal(t, img.ID, layoutConfigDigest(t, copyDir, "1.36"))
		require.Contains(t, run("inspect", "oci:"+dir+":1.36"), img.Layers[0].Digest.String())
	})
	t.Run("import a layout skopeo wrote", func(t *testing.T) {
		archive := filepath.Join(tmp, "for-skopeo.tar")
		f, err := os.Create(archive)
		require.NoError(t, err)
		require.NoError(t, s.Save(ctx, f, "busybox:1.36"))
		require.NoError(t, f.Close())
		dir := filepath.Join(tmp, "skopeo-layout")
		run("copy", "docker-archive:"+archive, "oci:"+dir+":mytag")
		dst, _ := openStore(t)
		imported, err := dst.ImportOCI(ctx, dir)
		require.NoError(t, err)
		require.Len(t, imported, 1)
		require.Equal(t, layoutConfigDigest(t, dir, "mytag"), imported[0].ID)
		require.Equal(t, img.Layers[0].DiffID, imported[0].Layers[0].DiffID)
		require.Empty(t, imported[0].RepoTags, "a bare tag annotation cannot name an image")
	})
	t.Run("load a docker-archive skopeo wrote", func(t *testing.T) {
		dir := filepath.Join(tmp, "layout-for-archive")
		require.NoError(t, s.ExportOCI(ctx, dir, "busybox:1.36"))
		archive := filepath.Join(tmp, "skopeo.tar")
		run("copy", "oci:"+dir+":1.36", "docker-archive:"+archive+":example.com/team/bb:v2")
		f, err := os.Open(archive)
		require.NoError(t, err)
		defer f.Close()
		dst, _ := openStore(t)
		loaded, err := dst.Load(ctx, f)
		require.NoError(t, err)
		require.Len(t, loaded, 1)
		require.Equal(t, img.ID, loaded[0].ID, "skopeo keeps an OCI config when writing a docker-archive")
		require.Equal(t, []string{"example.com/team/bb:v2"}, loaded[0].RepoTags)
	})
}

// layoutConfig reads the config of the image tagged tag in an OCI layout.
func layoutConfig(t *testing.T, dir, tag string) *v1.ConfigFile {
	t.Helper()
	h := layoutConfigDigest(t, dir, tag)
	data, err := os.ReadFile(filepath.Join(dir, "blobs", h.Algorithm, h.Hex))
	require.NoError(t, err)
	var cf v1.ConfigFile
	require.NoError(t, json.Unmarshal(data, &cf))
	return &cf
}

// layoutConfigDigest finds the image tagged tag in an OCI layout and
// returns its config digest.
func layoutConfigDigest(t *testing.T, dir, tag string) v1.Hash {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "index.json"))
	require.NoError(t, err)
	var index v1.IndexManifest
	require.NoError(t, json.Unmarshal(data, &index))
	for _, d := range index.Manifests {
		if d.Annotations[annotationRefName] != tag {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, "blobs", d.Digest.Algorithm, d.Digest.Hex))
		require.NoError(t, err)
		var m v1.Manifest
		require.NoError(t, json.Unmarshal(data, &m))
		return m.Config.Digest
	}
	t.Fatalf("no image tagged %s in %s", tag, dir)
	return v1.Hash{}
}

type tarEntry struct {
	name string
	body []byte
	link string // symlink target
	dir  bool
}

func makeTar(t *testing.T, entries []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg}
		switch {
		case e.dir:
			h.Typeflag, h.Size, h.Mode = tar.TypeDir, 0, 0o755
		case e.link != "":
			h.Typeflag, h.Size, h.Linkname = tar.TypeSymlink, 0, e.link
		}
		require.NoError(t, tw.WriteHeader(h))
		_, err := tw.Write(e.body)
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	return buf.Bytes()
}

func tarEntries(t *testing.T, data []byte) []tarEntry {
	t.Helper()
	var out []tarEntry
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		body := new(bytes.Buffer)
		_, err = body.ReadFrom(tr)
		require.NoError(t, err)
		out = append(out, tarEntry{name: h.Name, body: body.Bytes()})
	}
	return out
}

func tarNames(t *testing.T, data []byte) []string {
	var names []string
	for _, e := range tarEntries(t, data) {
		names = append(names, e.name)
	}
	return names
}

func tarFile(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	for _, e := range tarEntries(t, data) {
		if e.name == name {
			return e.body
		}
	}
	t.Fatalf("no %s in archive", name)
	return nil
}

func without(entries []tarEntry, name string) []tarEntry {
	var out []tarEntry
	for _, e := range entries {
		if e.name != name {
			out = append(out, e)
		}
	}
	return out
}

func replaced(entries []tarEntry, name string, fn func([]byte) []byte) []tarEntry {
	var out []tarEntry
	for _, e := range entries {
		if e.name == name {
			e.body = fn(e.body)
		}
		out = append(out, e)
	}
	return out
}

// tarDir tars a directory tree.
func tarDir(t *testing.T, dir string) []byte {
	t.Helper()
	var entries []tarEntry
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		body, err := os.ReadFile(p)
		entries = append(entries, tarEntry{name: filepath.ToSlash(rel), body: body})
		return err
	})
	require.NoError(t, err)
	return makeTar(t, entries)
}
