package layer

import (
	"archive/tar"
	"bytes"
	"testing"
)

// entry is one header of a test tarball; body is the content of a
// regular file.
type entry struct {
	tar.Header
	body string
}

func file(name, body string) entry {
	return entry{Header: tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))}, body: body}
}

func dir(name string) entry {
	return entry{Header: tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0o755}}
}

func symlink(name, target string) entry {
	return entry{Header: tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: target, Mode: 0o777}}
}

func hardlink(name, target string) entry {
	return entry{Header: tar.Header{Name: name, Typeflag: tar.TypeLink, Linkname: target}}
}

// makeTar writes entries as a tar stream. Sizes are taken from the
// headers as given, so a test can lie about them.
func makeTar(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.Header
		h.Format = tar.FormatPAX
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatalf("write header %s: %v", h.Name, err)
		}
		if e.body != "" {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatalf("write %s: %v", h.Name, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// hostileCase is one tarball of the hostile corpus. outside is the
// absolute path of a directory beside the layer that must never change;
// rejected says whether Unpack must fail (otherwise it must contain the
// entry inside the layer). Creating through a symlink that dangles inside
// the layer (as any absolute link to the host does) is refused: in a layer
// of its own, such a path can only be an attack.
type hostileCase struct {
	name     string
	entries  func(outside string) []entry
	opts     []UnpackOption
	rejected bool
}

// hostileCorpus is the set of tarballs every unpacker change is tested
// against (and the seeds of FuzzUnpack).
var hostileCorpus = []hostileCase{
	{name: "dotdot", rejected: true, entries: func(string) []entry {
		return []entry{file("../escaped", "x")}
	}},
	{name: "dotdot-deep", rejected: true, entries: func(string) []entry {
		return []entry{dir("a/"), file("a/../../escaped", "x")}
	}},
	{name: "absolute", rejected: true, entries: func(o string) []entry {
		return []entry{file(o+"/escaped", "x")}
	}},
	{name: "symlink-absolute-then-write", rejected: true, entries: func(o string) []entry {
		return []entry{symlink("evil", o), file("evil/escaped", "x")}
	}},
	{name: "symlink-relative-then-write", entries: func(string) []entry {
		return []entry{symlink("evil", "../../../../../../../../.."), file("evil/escaped", "x")}
	}},
	{name: "symlink-chain", rejected: true, entries: func(o string) []entry {
		return []entry{symlink("a", "b"), symlink("b", o), dir("a/sub/"), file("a/sub/escaped", "x")}
	}},
	{name: "dir-replaced-by-symlink", rejected: true, entries: func(o string) []entry {
		return []entry{dir("d/"), file("d/inside", "x"), symlink("d", o), file("d/escaped", "x")}
	}},
	{name: "symlink-overwrite-file", entries: func(o string) []entry {
		// A file entry at the path of a symlink replaces the symlink; it
		// does not write through it.
		return []entry{symlink("target", o+"/sentinel"), file("target", "overwritten")}
	}},
	{name: "hardlink-dotdot", rejected: true, entries: func(string) []entry {
		return []entry{hardlink("h", "../outside/sentinel")}
	}},
	{name: "hardlink-absolute", rejected: true, entries: func(o string) []entry {
		return []entry{hardlink("h", o+"/sentinel")}
	}},
	{name: "hardlink-through-symlink", rejected: true, entries: func(o string) []entry {
		return []entry{symlink("s", o), hardlink("h", "s/sentinel")}
	}},
	{name: "hardlink-to-dir", rejected: true, entries: func(string) []entry {
		return []entry{dir("d/"), hardlink("h", "d")}
	}},
	{name: "whiteout-through-symlink", entries: func(o string) []entry {
		return []entry{symlink("s", o), file("s/.wh.sentinel", "")}
	}},
	{name: "opaque-through-symlink", entries: func(o string) []entry {
		return []entry{symlink("s", o), file("s/.wh..wh..opq", "")}
	}},
	{name: "root-as-file", rejected: true, entries: func(string) []entry {
		return []entry{file(".", "x")}
	}},
	{name: "device-forbidden", rejected: true, opts: []UnpackOption{WithoutDevices()}, entries: func(string) []entry {
		return []entry{{Header: tar.Header{Name: "sda", Typeflag: tar.TypeBlock, Mode: 0o660, Devmajor: 8, Devminor: 0}}}
	}},
	{name: "char-device-forbidden", rejected: true, opts: []UnpackOption{WithoutDevices()}, entries: func(string) []entry {
		return []entry{{Header: tar.Header{Name: "mem", Typeflag: tar.TypeChar, Mode: 0o660, Devmajor: 1, Devminor: 1}}}
	}},
	{name: "too-many-entries", rejected: true, opts: []UnpackOption{WithLimits(Limits{MaxEntries: 10})}, entries: func(string) []entry {
		var es []entry
		for i := 0; i < 11; i++ {
			es = append(es, file("f"+string(rune('a'+i)), "x"))
		}
		return es
	}},
	{name: "too-many-bytes", rejected: true, opts: []UnpackOption{WithLimits(Limits{MaxBytes: 1024})}, entries: func(string) []entry {
		return []entry{file("big", string(bytes.Repeat([]byte("x"), 2048)))}
	}},
	{name: "symlink-parent-of-dir-times", rejected: true, entries: func(o string) []entry {
		// A directory whose time is set at the end, after its parent was
		// replaced by a symlink to the outside.
		return []entry{dir("p/"), dir("p/c/"), symlink("p", o), dir("p/c/")}
	}},
}
