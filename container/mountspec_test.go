package container

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/internal/volume"
)

func TestParseVolume(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want Mount
	}{
		// docker run -v forms, from Docker's documentation and its linux parser tests.
		{"/data", Mount{Type: MountVolume, Target: "/data"}},
		{"/with space", Mount{Type: MountVolume, Target: "/with space"}},
		{"myvol2:/app", Mount{Type: MountVolume, Source: "myvol2", Target: "/app"}},
		{"myvol2:/app:ro", Mount{Type: MountVolume, Source: "myvol2", Target: "/app", ReadOnly: true}},
		{"relative:/absolute-path", Mount{Type: MountVolume, Source: "relative", Target: "/absolute-path"}},
		{"hostPath:/containerPath:ro", Mount{Type: MountVolume, Source: "hostPath", Target: "/containerPath", ReadOnly: true}},
		{"data:/data:nocopy", Mount{Type: MountVolume, Source: "data", Target: "/data", NoCopy: true}},
		{"data:/data:ro,nocopy", Mount{Type: MountVolume, Source: "data", Target: "/data", ReadOnly: true, NoCopy: true}},
		{"data:/data:nocopy,rw,z", Mount{Type: MountVolume, Source: "data", Target: "/data", NoCopy: true}},
		{"/home:/home", Mount{Type: MountBind, Source: "/home", Target: "/home"}},
		{"/home:/something/else", Mount{Type: MountBind, Source: "/home", Target: "/something/else"}},
		{"/home:/with space", Mount{Type: MountBind, Source: "/home", Target: "/with space"}},
		{"/rw:/ro", Mount{Type: MountBind, Source: "/rw", Target: "/ro"}},
		{"/tmp:/tmp2:ro", Mount{Type: MountBind, Source: "/tmp", Target: "/tmp2", ReadOnly: true}},
		{"/tmp:/tmp3:rw", Mount{Type: MountBind, Source: "/tmp", Target: "/tmp3"}},
		{"/hostPath:/containerPath:shared", Mount{Type: MountBind, Source: "/hostPath", Target: "/containerPath"}},
		{"/hostPath:/containerPath:rslave", Mount{Type: MountBind, Source: "/hostPath", Target: "/containerPath"}},
		{"/hostPath:/containerPath:ro,z,shared", Mount{Type: MountBind, Source: "/hostPath", Target: "/containerPath", ReadOnly: true}},
		{"/hostPath:/containerPath:Z,slave,ro", Mount{Type: MountBind, Source: "/hostPath", Target: "/containerPath", ReadOnly: true}},
		{"/hostPath:/containerPath:ro,Z,rprivate", Mount{Type: MountBind, Source: "/hostPath", Target: "/containerPath", ReadOnly: true}},
		{"/src:/dst:cached", Mount{Type: MountBind, Source: "/src", Target: "/dst"}},
		// Paths are cleaned, as Docker cleans them.
		{"/srv//www/../data/:/app/./x/", Mount{Type: MountBind, Source: "/srv/data", Target: "/app/x"}},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			got, err := ParseVolume(tc.spec)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.NoError(t, got.Validate())
		})
	}
}

func TestParseVolumeErrors(t *testing.T) {
	bad := `includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`
	for _, tc := range []struct {
		spec string
		msg  string
	}{
		{"", "invalid empty volume spec"},
		{":", "invalid spec: :: empty section between colons"},
		{"/tmp:", "invalid spec: /tmp:: empty section between colons"},
		{":/test", "invalid spec: :/test: empty section between colons"},
		{"::", "empty section between colons"},
		{"/a::ro", "empty section between colons"},
		{"/tmp:/a:ro:z", "invalid spec: /tmp:/a:ro:z: too many colons"},
		{"/tmp:::", "too many colons"},
		{"/path:rw", "invalid volume specification: '/path:rw'"},
		{"/path:ro", "invalid volume specification: '/path:ro'"},
		{"path:ro", "invalid volume specification: 'path:ro'"},
		{"/path:shared", "invalid volume specification: '/path:shared'"},
		{"/path:/path:sw", "invalid mode: sw"},
		{"/path:/path:rwz", "invalid mode: rwz"},
		{"/path:/path:ro,rw", "invalid mode: ro,rw"},
		{"/path:/path:ro,rshared,rslave", "invalid mode: ro,rshared,rslave"},
		{"/path:/path:nocopy,nocopy", "invalid mode: nocopy,nocopy"},
		{"./", `invalid volume specification: './': invalid mount config for type "volume": invalid mount path: './' mount path must be absolute`},
		{"../", "mount path must be absolute"},
		{"/:../", `invalid volume specification: '/:../': invalid mount config for type "bind": invalid mount path: '../' mount path must be absolute`},
		{"/:path", "mount path must be absolute"},
		{"/tmp:tmp", "mount path must be absolute"},
		{"/", `invalid volume specification: '/': invalid mount config for type "volume": invalid specification: destination can't be '/'`},
		{"data:/", `invalid volume specification: 'data:/': invalid mount config for type "volume": invalid specification: destination can't be '/'`},
		{"/host:/..", "destination can't be '/'"},
		{"name:/absolute-path:shared", `invalid volume specification: 'name:/absolute-path:shared': invalid mount config for type "volume": field BindOptions must not be specified`},
		{"name:/absolute-path:rprivate", "field BindOptions must not be specified"},
		{"/host:/data:nocopy", `invalid mount config for type "bind": field VolumeOptions must not be specified`},
		{"./data:/data", "invalid volume specification: './data:/data': bind source path './data' is not an absolute path"},
		{"../data:/data", "bind source path '../data' is not an absolute path"},
		{".:/data", "bind source path '.' is not an absolute path"},
		{"foo/bar:/data", `create foo/bar: "foo/bar" ` + bad},
		{"local/name:/tmp:rw", `create local/name: "local/name" ` + bad},
		{"~/data:/data", `"~/data" ` + bad},
		{"a:/data", "create a: volume name is too short, names should be at least two alphanumeric characters"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			_, err := ParseVolume(tc.spec)
			require.ErrorIs(t, err, ErrInvalidMount)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
	_, err := ParseVolume("foo/bar:/data")
	assert.ErrorIs(t, err, volume.ErrInvalid, "the volume package's error stays in the chain")
}

func TestParseMount(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want Mount
	}{
		// docker run --mount forms, from Docker's documentation and CLI tests.
		{"source=myvol2,target=/app", Mount{Type: MountVolume, Source: "myvol2", Target: "/app"}},
		{"source=myvol2,destination=/app,readonly", Mount{Type: MountVolume, Source: "myvol2", Target: "/app", ReadOnly: true}},
		{"type=volume,src=myvol2,dst=/app,ro=true", Mount{Type: MountVolume, Source: "myvol2", Target: "/app", ReadOnly: true}},
		{"type=volume,target=/data", Mount{Type: MountVolume, Target: "/data"}},
		{"type=volume,dst=/data,volume-nocopy", Mount{Type: MountVolume, Target: "/data", NoCopy: true}},
		{"type=volume,src=data,dst=/data,volume-nocopy=false,volume-driver=local", Mount{Type: MountVolume, Source: "data", Target: "/data"}},
		{"type=bind,source=/home/path,target=/target", Mount{Type: MountBind, Source: "/home/path", Target: "/target"}},
		{"type=bind,source=/src,target=/app,readonly=1", Mount{Type: MountBind, Source: "/src", Target: "/app", ReadOnly: true}},
		{"type=bind,source=/src,target=/app,ro=0", Mount{Type: MountBind, Source: "/src", Target: "/app"}},
		{"type=bind,source=/src,target=/app,bind-propagation=rslave", Mount{Type: MountBind, Source: "/src", Target: "/app"}},
		{"type=bind,source=/src,target=/app,bind-recursive=enabled,bind-create-src=false", Mount{Type: MountBind, Source: "/src", Target: "/app"}},
		{"TYPE=BIND,SOURCE=/src,Target=/app,consistency=cached", Mount{Type: MountBind, Source: "/src", Target: "/app"}},
		{"type=tmpfs,destination=/app", Mount{Type: MountTmpfs, Target: "/app"}},
		{"type=tmpfs,dst=/app,tmpfs-size=64m,tmpfs-mode=1770", Mount{Type: MountTmpfs, Target: "/app", TmpfsSize: 64 << 20, TmpfsMode: 0o1770}},
		{"type=tmpfs,dst=/app,tmpfs-size=1.5GiB,tmpfs-mode=0700,readonly", Mount{Type: MountTmpfs, Target: "/app", TmpfsSize: 3 << 29, TmpfsMode: 0o700, ReadOnly: true}},
		{`type=bind,"source=/a,b",target=/c`, Mount{Type: MountBind, Source: "/a,b", Target: "/c"}},
		{`type=bind,source=/host:path,target=/c:d`, Mount{Type: MountBind, Source: "/host:path", Target: "/c:d"}},
		{"  type=bind,src=/a/../b/,dst=/c//d/  ", Mount{Type: MountBind, Source: "/b", Target: "/c/d"}},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			got, err := ParseMount(tc.spec)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.NoError(t, got.Validate())
		})
	}
}

func TestParseMountErrors(t *testing.T) {
	for _, tc := range []struct {
		spec string
		msg  string
	}{
		// The docker CLI's own test cases and messages.
		{"", "value is empty"},
		{"type=volume,target=/foo,bogus=foo", "unknown option 'bogus' in 'bogus=foo'"},
		{"type=volume, src=/foo,target=/foo", "invalid option 'src' in ' src=/foo': option should not have whitespace"},
		{"type=volume,src =/foo,target=/foo", "invalid option 'src' in 'src =/foo': option should not have whitespace"},
		{"type=volume,src=,target=/foo", "invalid value for 'src': value is empty"},
		{"type=volume,src= /foo,target=/foo", "invalid value for 'src' in 'src= /foo': value should not have whitespace"},
		{"type=volume,src=/foo ,target=/foo", "invalid value for 'src' in 'src=/foo ': value should not have whitespace"},
		{"type=volume,target=/foo,bogus", "invalid field 'bogus' must be a key=value pair"},
		{"type=tmpfs,target=/foo,tmpfs-size=foo", "invalid value for tmpfs-size: foo"},
		{"type=tmpfs,target=/foo,tmpfs-mode=foo", "invalid value for tmpfs-mode: foo"},
		{"type=tmpfs,target=/foo,tmpfs-mode=17777", "invalid value for tmpfs-mode: 17777"},
		{"type=volume,target=/foo,source=/foo,bind-propagation=rprivate", "cannot mix 'bind-*' options with mount type 'volume'"},
		{"type=bind,target=/foo,source=/foo,volume-nocopy=true", "cannot mix 'volume-*' options with mount type 'bind'"},
		{"type=bind,target=/foo,source=/foo,tmpfs-size=1m", "cannot mix 'tmpfs-*' options with mount type 'bind'"},
		{"type=tmpfs,target=/foo,volume-nocopy", "cannot mix 'volume-*' options with mount type 'tmpfs'"},
		{"type=volume,target=/foo,readonly=no", `invalid value for 'readonly': invalid boolean value ("no"): must be one of "true", "1", "false", or "0" (default "true")`},
		{"type=volume,target=/foo,volume-nocopy= true", "invalid value for 'volume-nocopy' in 'volume-nocopy= true': value should not have whitespace"},
		{"type=bind,src=/a,target=/foo,bind-nonrecursive", "bind-nonrecursive is deprecated, use bind-recursive=disabled instead"},
		{"type=bind,src=/a,target=/foo,bind-recursive=maybe", `invalid value for bind-recursive: maybe (must be "enabled", "disabled", "writable", or "readonly")`},
		{`type=bind,src="/a,target=/b`, `parse error on line 1, column 15: bare " in non-quoted-field`},
		// The daemon's validation.
		{"type=bind,src=/a", `invalid mount config for type "bind": field Target must not be empty`},
		{"type=bind,target=/a", `invalid mount config for type "bind": field Source must not be empty`},
		{"type=bind,src=/a,target=/", `invalid mount config for type "bind": invalid specification: destination can't be '/'`},
		{"type=bind,src=/a,target=relative", `invalid mount config for type "bind": invalid mount path: 'relative' mount path must be absolute`},
		{"type=bind,src=./a,target=/b", `invalid mount config for type "bind": invalid mount path: './a' mount path must be absolute`},
		{"type=bind,src=/a,target=/b,bind-propagation=sideways", `invalid mount config for type "bind": invalid propagation mode: sideways`},
		{"type=volume,target=/b,readonly", `invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes`},
		{"type=volume,src=/abs,target=/b", `create /abs: "/abs" includes invalid characters for a local volume name`},
		{"type=tmpfs,src=/a,target=/b", `invalid mount config for type "tmpfs": field Source must not be specified`},
		{"type=fancy,target=/b", `invalid mount config for type "fancy": mount type unknown`},
		// What berth cannot honour is refused, not dropped.
		{"type=image,src=alpine,target=/b", `mount type "image" is not supported`},
		{"type=volume,src=v1,target=/b,volume-driver=nfs", `volume driver "nfs" (only "local") is not supported`},
		{"type=volume,src=v1,target=/b,volume-subpath=x", "mount option 'volume-subpath' is not supported"},
		{"type=volume,src=v1,target=/b,volume-label=a=b", "mount option 'volume-label' is not supported"},
		{"type=volume,src=v1,target=/b,volume-opt=type=nfs", "mount option 'volume-opt' is not supported"},
		{"type=bind,src=/a,target=/b,bind-recursive=disabled", "bind-recursive=disabled is not supported"},
		{"type=bind,src=/a,target=/b,bind-create-src", "bind-create-src is not supported"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			_, err := ParseMount(tc.spec)
			require.ErrorIs(t, err, ErrInvalidMount)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestParseTmpfs(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want Mount
		msg  string
	}{
		{spec: "/run", want: Mount{Type: MountTmpfs, Target: "/run"}},
		{spec: "/mnt:rw,noexec,nosuid,size=65536k", want: Mount{Type: MountTmpfs, Target: "/mnt", TmpfsSize: 64 << 20}},
		{spec: "/app:size=64m,mode=1770", want: Mount{Type: MountTmpfs, Target: "/app", TmpfsSize: 64 << 20, TmpfsMode: 0o1770}},
		{spec: "/app:ro,size=1g,nodev", want: Mount{Type: MountTmpfs, Target: "/app", TmpfsSize: 1 << 30, ReadOnly: true}},
		{spec: "/app:ro,rw", want: Mount{Type: MountTmpfs, Target: "/app"}},
		{spec: "/app:size=1000", want: Mount{Type: MountTmpfs, Target: "/app", TmpfsSize: 1000}},
		{spec: "/app/../data/", want: Mount{Type: MountTmpfs, Target: "/data"}},
		{spec: "", msg: `invalid mount config for type "tmpfs": field Target must not be empty`},
		{spec: "/", msg: "destination can't be '/'"},
		{spec: "run", msg: "invalid mount path: 'run' mount path must be absolute"},
		{spec: "/app:size=lots", msg: `invalid tmpfs option "size=lots": invalid size`},
		{spec: "/app:size=50%", msg: `invalid tmpfs option "size=50%": invalid size`},
		{spec: "/app:mode=999", msg: `invalid tmpfs option "mode=999": invalid mode`},
		{spec: "/app:exec", msg: `tmpfs option "exec" is not supported`},
		{spec: "/app:uid=1000", msg: `tmpfs option "uid=1000" is not supported`},
		{spec: "/app:size=1m,", msg: `tmpfs option "" is not supported`},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			got, err := ParseTmpfs(tc.spec)
			if tc.msg != "" {
				require.ErrorIs(t, err, ErrInvalidMount)
				assert.Contains(t, err.Error(), tc.msg)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.NoError(t, got.Validate())
		})
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{in: "0", want: 0},
		{in: "32", want: 32},
		{in: "32b", want: 32},
		{in: "32 B", want: 32},
		{in: "32k", want: 32 << 10},
		{in: "32K", want: 32 << 10},
		{in: "32kb", want: 32 << 10},
		{in: "32Kb", want: 32 << 10},
		{in: "32Mb", want: 32 << 20},
		{in: "32Gb", want: 32 << 30},
		{in: "32Tb", want: 32 << 40},
		{in: "32Pb", want: 32 << 50},
		{in: "32PB", want: 32 << 50},
		{in: "32P", want: 32 << 50},
		{in: "32MiB", want: 32 << 20},
		{in: "0.5m", want: 1 << 19},
		{in: "1.5g", want: 3 << 29},
		{in: "9223372036854775807", want: 9223372036854775807},
		{in: "", bad: true},
		{in: "hello", bad: true},
		{in: "-32", bad: true},
		{in: ".3mb", bad: true},
		{in: "3.mb", bad: true},
		{in: "1.2.3m", bad: true},
		{in: "32.3KiB.5", bad: true},
		{in: "32  mb", bad: true},
		{in: "32m b", bad: true},
		{in: "32bm", bad: true},
		{in: "1e3", bad: true},
		{in: "8192p", bad: true},
		{in: "99999999999999999999", bad: true},
	} {
		got, err := parseSize(tc.in)
		if tc.bad {
			assert.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func TestMountValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Mount
		msg  string // "" when valid
	}{
		{"bind", Mount{Type: MountBind, Source: "/src", Target: "/dst", ReadOnly: true}, ""},
		{"named volume", Mount{Type: MountVolume, Source: "data", Target: "/data", NoCopy: true}, ""},
		{"anonymous volume", Mount{Type: MountVolume, Target: "/data"}, ""},
		{"tmpfs", Mount{Type: MountTmpfs, Target: "/run", TmpfsSize: 1 << 20, TmpfsMode: 0o1777}, ""},
		{"no type", Mount{Target: "/x"}, `invalid mount config for type "": mount type unknown`},
		{"no target", Mount{Type: MountVolume}, "field Target must not be empty"},
		{"root target", Mount{Type: MountVolume, Target: "/"}, "destination can't be '/'"},
		{"relative target", Mount{Type: MountVolume, Target: "data"}, "invalid mount path: 'data' mount path must be absolute"},
		{"unclean target", Mount{Type: MountVolume, Target: "/a/../b"}, "invalid mount path: '/a/../b' is not clean (it means '/b')"},
		{"bind without source", Mount{Type: MountBind, Target: "/x"}, `invalid mount config for type "bind": field Source must not be empty`},
		{"relative bind source", Mount{Type: MountBind, Source: "src", Target: "/x"}, "invalid mount path: 'src' mount path must be absolute"},
		{"unclean bind source", Mount{Type: MountBind, Source: "/src/", Target: "/x"}, "'/src/' is not clean"},
		{"bind with nocopy", Mount{Type: MountBind, Source: "/src", Target: "/x", NoCopy: true}, "field VolumeOptions must not be specified"},
		{"bind with tmpfs size", Mount{Type: MountBind, Source: "/src", Target: "/x", TmpfsSize: 1}, "field TmpfsOptions must not be specified"},
		{"volume with tmpfs mode", Mount{Type: MountVolume, Source: "v1", Target: "/x", TmpfsMode: 0o700}, "field TmpfsOptions must not be specified"},
		{"read-only anonymous volume", Mount{Type: MountVolume, Target: "/x", ReadOnly: true}, "must not set ReadOnly mode when using anonymous volumes"},
		{"bad volume name", Mount{Type: MountVolume, Source: "a/b", Target: "/x"}, `invalid mount config for type "volume": "a/b" includes invalid characters`},
		{"tmpfs with source", Mount{Type: MountTmpfs, Source: "x", Target: "/x"}, "field Source must not be specified"},
		{"tmpfs with nocopy", Mount{Type: MountTmpfs, Target: "/x", NoCopy: true}, "field VolumeOptions must not be specified"},
		{"negative tmpfs size", Mount{Type: MountTmpfs, Target: "/x", TmpfsSize: -1}, "invalid tmpfs size: -1"},
		{"tmpfs mode out of range", Mount{Type: MountTmpfs, Target: "/x", TmpfsMode: 0o17777}, "invalid tmpfs mode: 17777"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.m.Validate()
			if tc.msg == "" {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidMount)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestMountString(t *testing.T) {
	for _, tc := range []struct {
		m    Mount
		want string
	}{
		{Mount{Type: MountVolume, Target: "/data"}, "/data"},
		{Mount{Type: MountVolume, Source: "data", Target: "/data"}, "data:/data"},
		{Mount{Type: MountVolume, Source: "data", Target: "/data", ReadOnly: true, NoCopy: true}, "data:/data:ro,nocopy"},
		{Mount{Type: MountBind, Source: "/src", Target: "/dst"}, "/src:/dst"},
		{Mount{Type: MountBind, Source: "/src", Target: "/dst", ReadOnly: true}, "/src:/dst:ro"},
		{Mount{Type: MountTmpfs, Target: "/run"}, "/run"},
		{Mount{Type: MountTmpfs, Target: "/run", ReadOnly: true, TmpfsSize: 64 << 20, TmpfsMode: 0o1770}, "/run:ro,size=64m,mode=1770"},
		{Mount{Type: MountTmpfs, Target: "/run", TmpfsSize: 1000}, "/run:size=1000"},
		// What -v and --tmpfs cannot say, --mount says.
		{Mount{Type: MountVolume, Target: "/data", NoCopy: true}, "type=volume,target=/data,volume-nocopy"},
		{Mount{Type: MountBind, Source: "/a:b", Target: "/c"}, "type=bind,source=/a:b,target=/c"},
		{Mount{Type: MountBind, Source: "/a,b", Target: "/c:d", ReadOnly: true}, `type=bind,"source=/a,b",target=/c:d,readonly`},
		{Mount{Type: MountTmpfs, Target: "/a:b", TmpfsSize: 1 << 20, TmpfsMode: 0o700}, "type=tmpfs,target=/a:b,tmpfs-size=1048576,tmpfs-mode=700"},
		{Mount{Type: MountVolume, Target: "/a: ", NoCopy: true}, "type=volume,target=/a: /,volume-nocopy"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.m.String())
			back, err := reparse(tc.m.String(), tc.m.Type)
			require.NoError(t, err)
			assert.Equal(t, tc.m, back, "String reads back as the same mount")
		})
	}
}

// reparse reads a Mount.String result back with the parser of its form.
func reparse(s string, typ MountType) (Mount, error) {
	switch {
	case strings.HasPrefix(s, "type="):
		return ParseMount(s)
	case typ == MountTmpfs:
		return ParseTmpfs(s)
	default:
		return ParseVolume(s)
	}
}

func FuzzParseVolume(f *testing.F) {
	for _, s := range []string{
		"/data", "data:/data", "data:/data:ro,nocopy", "/src:/dst:ro,z,rshared", "./x:/y", "a:b:c:d",
		"/a::ro", "name:/", "/src//x/../:/dst/./y", "foo/bar:/x", "/x:rw", ":", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		m, err := ParseVolume(spec)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidMount)
			return
		}
		require.NoError(t, m.Validate(), "a parsed mount validates")
		require.Contains(t, []MountType{MountBind, MountVolume}, m.Type)
		back, err := ParseVolume(m.String())
		require.NoError(t, err, "String %q reads back", m.String())
		require.Equal(t, m, back)
	})
}

func FuzzParseMount(f *testing.F) {
	for _, s := range []string{
		"type=bind,src=/a,dst=/b,readonly", "type=volume,dst=/data,volume-nocopy", "source=v1,target=/app",
		"type=tmpfs,dst=/run,tmpfs-size=64m,tmpfs-mode=1770", `type=bind,"src=/a,b",dst=/c:d`,
		"type=volume,dst=/a: /,volume-nocopy", `"type=bind,src=/a""b,dst=/c"`, "type=bind,src=/a,dst=/b\nx",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		m, err := ParseMount(spec)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidMount)
			return
		}
		require.NoError(t, m.Validate(), "a parsed mount validates")
		back, err := reparse(m.String(), m.Type)
		require.NoError(t, err, "String %q reads back", m.String())
		require.Equal(t, m, back)
	})
}

func FuzzParseTmpfs(f *testing.F) {
	for _, s := range []string{"/run", "/app:size=64m,mode=1770", "/app:ro,size=1.5g", "/:size=1", "x:mode=8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		m, err := ParseTmpfs(spec)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidMount)
			return
		}
		require.NoError(t, m.Validate(), "a parsed mount validates")
		back, err := reparse(m.String(), m.Type)
		require.NoError(t, err, "String %q reads back", m.String())
		require.Equal(t, m, back)
	})
}
