package userspec

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/sys/user"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Debian-style files: members listed only for real secondary groups, a
// second UID-0 account, an entry without a home.
const debianPasswd = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
app:x:1000:1000:App User,,,:/home/app:/bin/sh
nohome:x:1001:1001::::
toor:x:0:0:second root:/toor:/bin/sh
`

const debianGroup = `root:x:0:
daemon:x:1:
adm:x:4:app
www-data:x:33:
staff:x:50:app,www-data
users:x:100:
docker:x:999:app
app:x:1000:
nogroup:x:65534:
`

// Alpine's (busybox-based) files, where root is listed as a member of many
// groups; `docker run alpine id` prints
// groups=0(root),1(bin),2(daemon),3(sys),4(adm),6(disk),10(wheel),11(floppy),20(dialout),26(tape),27(video).
const alpinePasswd = `root:x:0:0:root:/root:/bin/sh
bin:x:1:1:bin:/bin:/sbin/nologin
daemon:x:2:2:daemon:/sbin:/sbin/nologin
nobody:x:65534:65534:nobody:/:/sbin/nologin
`

const alpineGroup = `root:x:0:root
bin:x:1:root,bin,daemon
daemon:x:2:root,bin,daemon
sys:x:3:root,bin,adm
adm:x:4:root,adm,daemon
tty:x:5:
disk:x:6:root,adm
lp:x:7:lp
kmem:x:9:
wheel:x:10:root
floppy:x:11:root
audio:x:18:
dialout:x:20:root
tape:x:26:root
video:x:27:root
users:x:100:games
nogroup:x:65533:
nobody:x:65534:
`

// Terse, hand-written files as found in scratch and busybox-built images:
// short lines, comments, blank lines, stray whitespace.
const tersePasswd = `# built by hand
root:x:0:0
   svc:x:500:500:::

short:x:501
`

const terseGroup = `# groups
svc:x:500:
extra:x:600:svc
`

type files struct{ passwd, group []byte }

var (
	debian  = files{[]byte(debianPasswd), []byte(debianGroup)}
	alpine  = files{[]byte(alpinePasswd), []byte(alpineGroup)}
	terse   = files{[]byte(tersePasswd), []byte(terseGroup)}
	missing = files{}
	empty   = files{[]byte{}, []byte{}}
)

func TestResolve(t *testing.T) {
	tests := []struct {
		desc   string
		files  files
		spec   string
		extra  []string
		want   User
		errIs  error
		errMsg string
	}{
		// Debian-style files.
		{desc: "empty spec is root", files: debian, spec: "",
			want: User{UID: 0, GID: 0, AdditionalGIDs: []uint32{0}, Home: "/root", Name: "root"}},
		{desc: "root by name", files: debian, spec: "root",
			want: User{UID: 0, GID: 0, AdditionalGIDs: []uint32{0}, Home: "/root", Name: "root"}},
		{desc: "uid 0 takes the first entry", files: debian, spec: "0",
			want: User{UID: 0, GID: 0, AdditionalGIDs: []uint32{0}, Home: "/root", Name: "root"}},
		{desc: "second uid-0 account by name", files: debian, spec: "toor",
			want: User{UID: 0, GID: 0, AdditionalGIDs: []uint32{0}, Home: "/toor", Name: "toor"}},
		{desc: "name with memberships", files: debian, spec: "app",
			want: User{UID: 1000, GID: 1000, AdditionalGIDs: []uint32{1000, 4, 50, 999}, Home: "/home/app", Name: "app"}},
		{desc: "uid found in passwd", files: debian, spec: "1000",
			want: User{UID: 1000, GID: 1000, AdditionalGIDs: []uint32{1000, 4, 50, 999}, Home: "/home/app", Name: "app"}},
		{desc: "name with hyphen", files: debian, spec: "www-data",
			want: User{UID: 33, GID: 33, AdditionalGIDs: []uint32{33, 50}, Home: "/var/www", Name: "www-data"}},
		{desc: "name:group replaces gid and drops memberships", files: debian, spec: "app:staff",
			want: User{UID: 1000, GID: 50, AdditionalGIDs: []uint32{50}, Home: "/home/app", Name: "app"}},
		{desc: "name:gid", files: debian, spec: "app:50",
			want: User{UID: 1000, GID: 50, AdditionalGIDs: []uint32{50}, Home: "/home/app", Name: "app"}},
		{desc: "uid:gid both known", files: debian, spec: "33:33",
			want: User{UID: 33, GID: 33, AdditionalGIDs: []uint32{33}, Home: "/var/www", Name: "www-data"}},
		{desc: "uid:gid gid unknown", files: debian, spec: "1000:4242",
			want: User{UID: 1000, GID: 4242, AdditionalGIDs: []uint32{4242}, Home: "/home/app", Name: "app"}},
		{desc: "uid unknown", files: debian, spec: "4242",
			want: User{UID: 4242, GID: 0, AdditionalGIDs: []uint32{0}, Home: "/"}},
		{desc: "uid unknown with group", files: debian, spec: "4242:staff",
			want: User{UID: 4242, GID: 50, AdditionalGIDs: []uint32{50}, Home: "/"}},
		{desc: "largest uid", files: debian, spec: "2147483647:2147483647",
			want: User{UID: 2147483647, GID: 2147483647, AdditionalGIDs: []uint32{2147483647}, Home: "/"}},
		{desc: "entry without home", files: debian, spec: "nohome",
			want: User{UID: 1001, GID: 1001, AdditionalGIDs: []uint32{1001}, Home: "/", Name: "nohome"}},
		{desc: "trailing colon is no group", files: debian, spec: "app:",
			want: User{UID: 1000, GID: 1000, AdditionalGIDs: []uint32{1000, 4, 50, 999}, Home: "/home/app", Name: "app"}},
		{desc: "group only keeps root", files: debian, spec: ":staff",
			want: User{UID: 0, GID: 50, AdditionalGIDs: []uint32{50}, Home: "/root", Name: "root"}},
		{desc: "extra groups by name and gid, in order, once each", files: debian, spec: "app",
			extra: []string{"users", "docker", "4242", "staff", "100"},
			want:  User{UID: 1000, GID: 1000, AdditionalGIDs: []uint32{1000, 4, 50, 999, 100, 4242}, Home: "/home/app", Name: "app"}},
		{desc: "extra groups with explicit group", files: debian, spec: "app:staff", extra: []string{"adm"},
			want: User{UID: 1000, GID: 50, AdditionalGIDs: []uint32{50, 4}, Home: "/home/app", Name: "app"}},

		{desc: "unknown name", files: debian, spec: "ghost", errIs: ErrNoSuchUser,
			errMsg: "unable to find user ghost: no matching entries in passwd file"},
		{desc: "names are case sensitive", files: debian, spec: "Root", errIs: ErrNoSuchUser},
		{desc: "unknown group", files: debian, spec: "app:ghosts", errIs: ErrNoSuchGroup,
			errMsg: "unable to find group ghosts: no matching entries in group file"},
		{desc: "unknown group with unknown uid", files: debian, spec: "4242:ghosts", errIs: ErrNoSuchGroup},
		{desc: "second colon is part of the group", files: debian, spec: "app:staff:x", errIs: ErrNoSuchGroup},
		{desc: "unknown extra group", files: debian, spec: "app", extra: []string{"ghosts"}, errIs: ErrNoSuchGroup,
			errMsg: "unable to find group ghosts: no matching entries in group file"},
		{desc: "empty extra group", files: debian, spec: "app", extra: []string{"users", ""}, errIs: ErrInvalid},
		{desc: "negative uid", files: debian, spec: "-1", errIs: ErrInvalid},
		{desc: "uid too large", files: debian, spec: "2147483648", errIs: ErrInvalid},
		{desc: "uid beyond int64", files: debian, spec: "99999999999999999999", errIs: ErrInvalid},
		{desc: "negative gid", files: debian, spec: "app:-5", errIs: ErrInvalid},
		{desc: "gid too large", files: debian, spec: "0:4294967296", errIs: ErrInvalid},
		{desc: "extra gid too large", files: debian, spec: "app", extra: []string{"2147483648"}, errIs: ErrInvalid},

		// Alpine: root's memberships, exactly what `docker run alpine id` shows.
		{desc: "alpine root", files: alpine, spec: "",
			want: User{UID: 0, GID: 0, AdditionalGIDs: []uint32{0, 1, 2, 3, 4, 6, 10, 11, 20, 26, 27}, Home: "/root", Name: "root"}},
		{desc: "alpine daemon", files: alpine, spec: "daemon",
			want: User{UID: 2, GID: 2, AdditionalGIDs: []uint32{2, 1, 4}, Home: "/sbin", Name: "daemon"}},
		{desc: "alpine nobody", files: alpine, spec: "nobody",
			want: User{UID: 65534, GID: 65534, AdditionalGIDs: []uint32{65534}, Home: "/", Name: "nobody"}},

		// Terse files.
		{desc: "terse root without home", files: terse, spec: "",
			want: User{UID: 0, GID: 0, AdditionalGIDs: []uint32{0}, Home: "/", Name: "root"}},
		{desc: "terse indented entry", files: terse, spec: "svc",
			want: User{UID: 500, GID: 500, AdditionalGIDs: []uint32{500, 600}, Home: "/", Name: "svc"}},
		{desc: "terse entry without gid", files: terse, spec: "short",
			want: User{UID: 501, GID: 0, AdditionalGIDs: []uint32{0}, Home: "/", Name: "short"}},
		{desc: "terse comment is no user", files: terse, spec: "#", errIs: ErrNoSuchUser},

		// Missing files: numbers still work, names cannot.
		{desc: "missing files, empty spec", files: missing, spec: "",
			want: User{UID: 0, GID: 0, AdditionalGIDs: []uint32{0}, Home: "/"}},
		{desc: "missing files, uid", files: missing, spec: "1000",
			want: User{UID: 1000, GID: 0, AdditionalGIDs: []uint32{0}, Home: "/"}},
		{desc: "missing files, uid:gid and extra gid", files: missing, spec: "1000:1000", extra: []string{"10"},
			want: User{UID: 1000, GID: 1000, AdditionalGIDs: []uint32{1000, 10}, Home: "/"}},
		{desc: "missing files, root by name", files: missing, spec: "root", errIs: ErrNoSuchUser,
			errMsg: "unable to find user root: no matching entries in passwd file"},
		{desc: "missing files, group by name", files: missing, spec: "0:wheel", errIs: ErrNoSuchGroup},
		{desc: "missing files, extra group by name", files: missing, spec: "", extra: []string{"wheel"}, errIs: ErrNoSuchGroup},
		{desc: "passwd only", files: files{passwd: []byte(debianPasswd)}, spec: "app",
			want: User{UID: 1000, GID: 1000, AdditionalGIDs: []uint32{1000}, Home: "/home/app", Name: "app"}},
		{desc: "group only", files: files{group: []byte(debianGroup)}, spec: "1000:staff",
			want: User{UID: 1000, GID: 50, AdditionalGIDs: []uint32{50}, Home: "/"}},
		{desc: "empty files", files: empty, spec: "7:7",
			want: User{UID: 7, GID: 7, AdditionalGIDs: []uint32{7}, Home: "/"}},
		{desc: "empty files, name", files: empty, spec: "app", errIs: ErrNoSuchUser},

		// IDs out of range in the files themselves.
		{desc: "passwd uid too large", files: files{passwd: []byte("big:x:3000000000:0::/:\n")}, spec: "big", errIs: ErrInvalid},
		{desc: "passwd gid negative", files: files{passwd: []byte("neg:x:10:-2::/:\n")}, spec: "neg", errIs: ErrInvalid},
		{desc: "membership gid too large", files: files{
			passwd: []byte("m:x:10:10::/:\n"),
			group:  []byte("huge:x:2147483648:m\n"),
		}, spec: "m", errIs: ErrInvalid},
		{desc: "extra group gid too large in file", files: files{
			group: []byte("huge:x:2147483648:\n"),
		}, spec: "0", extra: []string{"huge"}, errIs: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got, err := resolve(tt.spec, tt.extra, tt.files.passwd, tt.files.group)
			if tt.errIs != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, tt.errIs)
				if tt.errMsg != "" {
					assert.Equal(t, tt.errMsg, err.Error())
				}
				assert.Zero(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestResolveErrorsMatchOneSentinel checks that an error matches exactly
// one of this package's sentinels, and still matches moby/sys/user's.
func TestResolveErrorsMatchOneSentinel(t *testing.T) {
	_, err := resolve("ghost", nil, debian.passwd, debian.group)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrNoSuchUser)
	assert.ErrorIs(t, err, user.ErrNoPasswdEntries)
	assert.NotErrorIs(t, err, ErrNoSuchGroup)
	assert.NotErrorIs(t, err, ErrInvalid)

	_, err = resolve("-1", nil, debian.passwd, debian.group)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), `user "-1"`)
	assert.Contains(t, err.Error(), "uids and gids must be in range 0-2147483647")
}

func FuzzResolve(f *testing.F) {
	for _, seed := range []struct{ spec, extra string }{
		{"", ""}, {"root", ""}, {"0", ""}, {"app", "docker"}, {"1000:1000", "4242"},
		{"app:staff", "users"}, {":50", ""}, {"app:", ""}, {"ghost", ""}, {"app:ghost", ""},
		{"-1", ""}, {"2147483648", ""}, {"+5", ""}, {"app:staff:x", ""}, {"0x10", "0x10"},
		{"\x00", "\n"}, {"1e3", ""},
	} {
		f.Add(seed.spec, seed.extra)
	}
	f.Fuzz(func(t *testing.T, spec, extra string) {
		var extras []string
		if extra != "" {
			extras = strings.Split(extra, ",")
		}
		u, err := resolve(spec, extras, debian.passwd, debian.group)
		if err != nil {
			// The fixture files are well formed, so every failure is the
			// spec's fault and must say which kind.
			if !errors.Is(err, ErrNoSuchUser) && !errors.Is(err, ErrNoSuchGroup) && !errors.Is(err, ErrInvalid) {
				t.Fatalf("resolve(%q, %q): unclassified error %v", spec, extras, err)
			}
			return
		}
		checkUser(t, u)
		name, group, _ := strings.Cut(spec, ":")
		if id, err := strconv.ParseUint(name, 10, 31); err == nil && !strings.HasPrefix(name, "+") {
			if uint64(u.UID) != id {
				t.Fatalf("resolve(%q): UID %d, want %d", spec, u.UID, id)
			}
		}
		if id, err := strconv.ParseUint(group, 10, 31); err == nil && !strings.HasPrefix(group, "+") {
			if uint64(u.GID) != id {
				t.Fatalf("resolve(%q): GID %d, want %d", spec, u.GID, id)
			}
		}
	})
}

// FuzzResolveFiles feeds arbitrary passwd and group contents: whatever the
// image holds, resolving must not panic or return out-of-range IDs.
func FuzzResolveFiles(f *testing.F) {
	f.Add(debianPasswd, debianGroup, "app")
	f.Add(alpinePasswd, alpineGroup, "")
	f.Add(tersePasswd, terseGroup, "svc")
	f.Add("a:x:-1:-1::/:\n", "g:x:-1:a\n", "a")
	f.Add("a:x:99999999999999999999:1\n", "g:x:1:a,a,a\n", "a:g")
	f.Add(":::::::\n", ":::\n", "")
	f.Fuzz(func(t *testing.T, passwd, group, spec string) {
		u, err := resolve(spec, []string{"0"}, []byte(passwd), []byte(group))
		if err != nil {
			return
		}
		checkUser(t, u)
	})
}

// checkUser asserts what holds for every resolved user.
func checkUser(t *testing.T, u User) {
	t.Helper()
	if u.UID > maxID || u.GID > maxID {
		t.Fatalf("ID out of range: %+v", u)
	}
	if len(u.AdditionalGIDs) == 0 || u.AdditionalGIDs[0] != u.GID {
		t.Fatalf("AdditionalGIDs must start with GID: %+v", u)
	}
	seen := make(map[uint32]bool)
	for _, g := range u.AdditionalGIDs {
		if g > maxID || seen[g] {
			t.Fatalf("bad AdditionalGIDs: %+v", u)
		}
		seen[g] = true
	}
	if u.Home == "" {
		t.Fatalf("empty Home: %+v", u)
	}
}
