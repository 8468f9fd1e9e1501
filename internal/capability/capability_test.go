package capability

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefault(t *testing.T) {
	want := []string{
		"CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",
		"CAP_KILL", "CAP_MKNOD", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SETFCAP",
		"CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT",
	}
	assert.Equal(t, want, Default())
	assert.True(t, slices.IsSorted(Default()))

	// Callers own the slice they get.
	d := Default()
	d[0] = "CAP_SYS_ADMIN"
	assert.Equal(t, "CAP_AUDIT_WRITE", Default()[0])
}

func TestAllMatchesKernel(t *testing.T) {
	raw, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	require.NoError(t, err)
	last, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	require.NoError(t, err)

	got := All()
	assert.True(t, slices.IsSorted(got))
	assert.Len(t, got, last+1, "one name per capability 0..cap_last_cap")
	for _, c := range Default() {
		assert.Contains(t, got, c)
	}
	assert.Contains(t, got, "CAP_SYS_ADMIN")
	assert.Contains(t, got, "CAP_NET_ADMIN")
}

// without returns All() minus names.
func without(names ...string) []string {
	return slices.DeleteFunc(All(), func(c string) bool { return slices.Contains(names, c) })
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name       string
		privileged bool
		add, drop  []string
		want       []string
	}{
		{name: "nothing changed", want: Default()},
		{name: "privileged", privileged: true, want: All()},
		{name: "privileged ignores add and drop", privileged: true, add: []string{"bogus"}, drop: []string{"ALL"}, want: All()},
		{
			name: "cap-add ALL cap-drop MKNOD",
			add:  []string{"ALL"}, drop: []string{"MKNOD"},
			want: without("CAP_MKNOD"),
		},
		{
			name: "cap-drop ALL cap-add NET_ADMIN",
			add:  []string{"NET_ADMIN"}, drop: []string{"ALL"},
			want: []string{"CAP_NET_ADMIN"},
		},
		{name: "cap-drop ALL", drop: []string{"all"}, want: []string{}},
		{
			name: "lower case with and without prefix",
			add:  []string{"sys_admin", "cap_net_admin"}, drop: []string{"net_raw", "Cap_Mknod"},
			want: []string{
				"CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",
				"CAP_KILL", "CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE", "CAP_SETFCAP",
				"CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_ADMIN", "CAP_SYS_CHROOT",
			},
		},
		{
			name: "added and dropped keeps it",
			add:  []string{"SYS_PTRACE"}, drop: []string{"SYS_PTRACE", "CHOWN"},
			want: []string{
				"CAP_AUDIT_WRITE", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",
				"CAP_KILL", "CAP_MKNOD", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SETFCAP",
				"CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
			},
		},
		{name: "adding a default one twice", add: []string{"CHOWN", "chown"}, want: Default()},
		{name: "cap-add ALL and cap-drop ALL", add: []string{"ALL"}, drop: []string{"ALL"}, want: All()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve(tt.privileged, tt.add, tt.drop)
			require.NoError(t, err)
			if len(tt.want) == 0 {
				assert.Empty(t, got)
				return
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestResolveUnknownName(t *testing.T) {
	tests := []struct {
		name      string
		add, drop []string
		mention   string
	}{
		{name: "in add", add: []string{"NET_ADMIN", "CAP_FLY"}, mention: "CAP_FLY"},
		{name: "in drop", drop: []string{"teleport"}, mention: "CAP_TELEPORT"},
		{name: "empty", add: []string{""}, mention: `"CAP_"`},
		{name: "prefix only", drop: []string{"CAP_"}, mention: `"CAP_"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve(false, tt.add, tt.drop)
			require.ErrorIs(t, err, ErrUnknownCapability)
			assert.Contains(t, err.Error(), tt.mention)
		})
	}
}

func FuzzResolve(f *testing.F) {
	f.Add("NET_ADMIN", "ALL")
	f.Add("all", "mknod")
	f.Add("cap_sys_admin", "")
	f.Add("\x00", "CAP_")
	f.Fuzz(func(t *testing.T, add, drop string) {
		got, err := Resolve(false, strings.Split(add, ","), strings.Split(drop, ","))
		if err != nil {
			return
		}
		assert.True(t, slices.IsSorted(got))
		assert.Equal(t, len(got), len(slices.Compact(slices.Clone(got))), "no duplicates")
		for _, c := range got {
			assert.Contains(t, All(), c)
		}
	})
}
