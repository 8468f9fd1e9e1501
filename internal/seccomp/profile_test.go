package seccomp

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDefaultReturnsIndependentProfiles(t *testing.T) {
	a, b := Default(), Default()
	a.Rules[0].Names[0] = "changed"
	a.DefaultAction = Allow
	assert.Equal(t, "accept", b.Rules[0].Names[0])
	assert.Equal(t, Errno(syscall.EPERM), b.DefaultAction)
}

func TestDefaultProfileShape(t *testing.T) {
	p := Default()
	assert.Equal(t, Errno(syscall.EPERM), p.DefaultAction, "Docker: SCMP_ACT_ERRNO with errnoRet 1")
	assert.Contains(t, p.Architectures, Architecture{Arch: "amd64", SubArches: []string{"x86", "x32"}})
	assert.Contains(t, p.Architectures, Architecture{Arch: "arm64", SubArches: []string{"arm"}})

	allowed := p.Rules[0]
	assert.Empty(t, allowed.Args)
	assert.Equal(t, Allow, allowed.Action)
	assert.Len(t, allowed.Names, 361)
	for _, name := range []string{"read", "write", "execve", "futex", "getpid"} {
		assert.Contains(t, allowed.Names, name)
	}
	for _, name := range []string{"keyctl", "add_key", "request_key", "mount", "unshare", "ptrace", "clone", "clone3", "socket", "personality"} {
		assert.NotContains(t, allowed.Names, name, "%s must not be allowed unconditionally", name)
	}
}

func TestActionString(t *testing.T) {
	tests := []struct {
		action Action
		want   string
	}{
		{Allow, "SCMP_ACT_ALLOW"},
		{Errno(syscall.EPERM), "SCMP_ACT_ERRNO(1)"},
		{Errno(syscall.ENOSYS), "SCMP_ACT_ERRNO(38)"},
		{KillProcess, "SCMP_ACT_KILL_PROCESS"},
		{KillThread, "SCMP_ACT_KILL_THREAD"},
		{Trap, "SCMP_ACT_TRAP"},
		{Log, "SCMP_ACT_LOG"},
		{Action(0x12340000), "Action(0x12340000)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.action.String())
	}
	assert.Equal(t, "SCMP_CMP_MASKED_EQ", OpMaskedEqual.String())
	assert.Equal(t, "Op(99)", Op(99).String())
}

func TestRuleSelected(t *testing.T) {
	kernel := KernelVersion{Major: 5, Minor: 10}
	tests := []struct {
		name string
		rule Rule
		arch string
		caps []string
		want bool
	}{
		{name: "no conditions", arch: "amd64", want: true},
		{name: "included cap present", rule: Rule{Includes: Condition{Caps: []string{"CAP_SYS_ADMIN"}}}, caps: []string{"CAP_SYS_ADMIN"}, want: true},
		{name: "included cap missing", rule: Rule{Includes: Condition{Caps: []string{"CAP_SYS_ADMIN"}}}, caps: []string{"CAP_CHOWN"}, want: false},
		{name: "all included caps needed", rule: Rule{Includes: Condition{Caps: []string{"CAP_BPF", "CAP_PERFMON"}}}, caps: []string{"CAP_BPF"}, want: false},
		{name: "excluded cap present", rule: Rule{Excludes: Condition{Caps: []string{"CAP_SYS_ADMIN"}}}, caps: []string{"CAP_SYS_ADMIN"}, want: false},
		{name: "any excluded cap excludes", rule: Rule{Excludes: Condition{Caps: []string{"CAP_BPF", "CAP_SYS_ADMIN"}}}, caps: []string{"CAP_SYS_ADMIN"}, want: false},
		{name: "excluded cap absent", rule: Rule{Excludes: Condition{Caps: []string{"CAP_SYS_ADMIN"}}}, want: true},
		{name: "included arch", rule: Rule{Includes: Condition{Arches: []string{"amd64", "x32"}}}, arch: "amd64", want: true},
		{name: "other arch", rule: Rule{Includes: Condition{Arches: []string{"s390x"}}}, arch: "amd64", want: false},
		{name: "excluded arch", rule: Rule{Excludes: Condition{Arches: []string{"amd64"}}}, arch: "amd64", want: false},
		{name: "min kernel met", rule: Rule{Includes: Condition{MinKernel: &KernelVersion{4, 8}}}, want: true},
		{name: "min kernel not met", rule: Rule{Includes: Condition{MinKernel: &KernelVersion{6, 0}}}, want: false},
		{name: "excluded from kernel on", rule: Rule{Excludes: Condition{MinKernel: &KernelVersion{5, 10}}}, want: false},
		{name: "cap names normalized", rule: Rule{Includes: Condition{Caps: []string{"sys_admin"}}}, caps: []string{"Cap_Sys_Admin"}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			caps := map[string]bool{}
			for _, c := range tt.caps {
				caps[normalizeCapability(c)] = true
			}
			assert.Equal(t, tt.want, tt.rule.selected(tt.arch, caps, kernel))
		})
	}
}
