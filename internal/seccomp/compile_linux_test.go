package seccomp

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/capability"
)

var (
	eperm  = Errno(unix.EPERM)
	enosys = Errno(unix.ENOSYS)
	// A kernel new enough for every MinKernel rule of the default profile.
	modernKernel = KernelVersion{Major: 6, Minor: 8}
)

// call is one syscall to run through a compiled default profile.
type call struct {
	name string
	arch string // ABI the call is made in; the native one when empty
	nr   uint32 // used when name is empty
	args [6]uint64
	want Action
}

func TestDefaultProfileDecisions(t *testing.T) {
	withSysAdmin := append(capability.Default(), "CAP_SYS_ADMIN")
	cloneFlags := uint64(unix.CLONE_VM | unix.CLONE_FS | unix.CLONE_FILES | unix.CLONE_SIGHAND |
		unix.CLONE_THREAD | unix.CLONE_SYSVSEM | unix.CLONE_SETTLS | unix.CLONE_PARENT_SETTID | unix.CLONE_CHILD_CLEARTID)

	tests := []struct {
		name  string
		arch  string
		caps  []string
		calls []call
	}{
		{
			name: "amd64 default capabilities",
			arch: "amd64",
			caps: capability.Default(),
			calls: []call{
				{name: "read", want: Allow},
				{name: "write", want: Allow},
				{name: "getpid", want: Allow},
				{name: "arch_prctl", want: Allow},
				{name: "keyctl", want: eperm},
				{name: "add_key", want: eperm},
				{name: "clone", args: [6]uint64{cloneFlags}, want: Allow},
				{name: "clone", args: [6]uint64{unix.CLONE_NEWUSER | uint64(unix.SIGCHLD)}, want: eperm},
				{name: "clone", args: [6]uint64{unix.CLONE_NEWNET}, want: eperm},
				{name: "clone", args: [6]uint64{1 << 40}, want: Allow}, // high half is outside the mask
				{name: "clone3", want: enosys},
				{name: "unshare", want: eperm},
				{name: "setns", want: eperm},
				{name: "mount", want: eperm},
				{name: "umount2", want: eperm},
				{name: "personality", args: [6]uint64{0}, want: Allow},
				{name: "personality", args: [6]uint64{0x0008}, want: Allow},
				{name: "personality", args: [6]uint64{0x20000}, want: Allow},
				{name: "personality", args: [6]uint64{0x20008}, want: Allow},
				{name: "personality", args: [6]uint64{0xffffffff}, want: Allow},
				{name: "personality", args: [6]uint64{0xdead}, want: eperm},
				{name: "personality", args: [6]uint64{1 << 32}, want: eperm}, // low half 0, high half not
				{name: "socket", args: [6]uint64{unix.AF_UNIX}, want: Allow},
				{name: "socket", args: [6]uint64{unix.AF_INET6}, want: Allow},
				{name: "socket", args: [6]uint64{unix.AF_NETLINK}, want: Allow},
				{name: "socket", args: [6]uint64{unix.AF_VSOCK}, want: eperm},
				{name: "socket", args: [6]uint64{unix.AF_ALG}, want: eperm},
				{name: "socket", args: [6]uint64{unix.AF_NFC}, want: Allow},
				{name: "socket", args: [6]uint64{unix.AF_XDP}, want: Allow},
				{name: "socket", args: [6]uint64{46}, want: eperm}, // above AF_MCTP
				{name: "socket", args: [6]uint64{1<<32 | unix.AF_INET}, want: eperm},
				{name: "ptrace", want: Allow}, // kernel >= 4.8
				{name: "reboot", want: eperm},
				{name: "chroot", want: Allow}, // CAP_SYS_CHROOT is a default capability
				{name: "init_module", want: eperm},
				{name: "bpf", want: eperm},
				{name: "perf_event_open", want: eperm},
				{name: "open_by_handle_at", want: eperm},
				{name: "kcmp", want: eperm},
				{name: "settimeofday", want: eperm},
				{name: "syslog", want: eperm},
				{name: "iopl", want: eperm},
				{nr: 0x3fffffff, want: enosys},           // newer than any syscall the profile names
				{nr: x32SyscallBit, want: eperm},         // x32 read
				{nr: x32SyscallBit | 0x200, want: eperm}, // x32 syscall
				{nr: 0xffffffff, want: eperm},            // syscall -1
				{name: "read", arch: "x86", want: Allow}, // i386 compat
				{name: "socketcall", arch: "x86", want: Allow},
				{name: "keyctl", arch: "x86", want: eperm},
				{name: "mount", arch: "x86", want: eperm},
				{name: "modify_ldt", arch: "x86", want: Allow},
				{name: "clone", arch: "x86", args: [6]uint64{unix.CLONE_NEWUSER}, want: eperm},
				{name: "clone", arch: "x86", args: [6]uint64{cloneFlags}, want: Allow},
				{name: "personality", arch: "x86", args: [6]uint64{0xffffffff}, want: Allow},
				{name: "personality", arch: "x86", args: [6]uint64{0xdead}, want: eperm},
				{name: "clone3", arch: "x86", want: enosys},
				{nr: 100000, arch: "x86", want: enosys},
			},
		},
		{
			name: "amd64 with CAP_SYS_ADMIN",
			arch: "amd64",
			caps: withSysAdmin,
			calls: []call{
				{name: "read", want: Allow},
				{name: "clone", args: [6]uint64{unix.CLONE_NEWUSER | uint64(unix.SIGCHLD)}, want: Allow},
				{name: "clone3", want: Allow},
				{name: "mount", want: Allow},
				{name: "umount2", want: Allow},
				{name: "unshare", want: Allow},
				{name: "setns", want: Allow},
				{name: "bpf", want: Allow},
				{name: "syslog", want: Allow},
				{name: "keyctl", want: eperm},
				{name: "reboot", want: eperm},
				{name: "mount", arch: "x86", want: Allow},
				{name: "umount", arch: "x86", want: Allow},
			},
		},
		{
			name: "amd64 capabilities named loosely",
			arch: "amd64",
			caps: []string{"sys_admin", "Cap_Sys_Boot", "NOT_A_CAPABILITY"},
			calls: []call{
				{name: "mount", want: Allow},
				{name: "reboot", want: Allow},
				{name: "chroot", want: eperm},
			},
		},
		{
			name: "amd64 other capabilities",
			arch: "amd64",
			caps: []string{"CAP_SYS_PTRACE", "CAP_SYS_TIME", "CAP_SYS_MODULE", "CAP_BPF", "CAP_PERFMON",
				"CAP_DAC_READ_SEARCH", "CAP_SYS_RAWIO", "CAP_SYS_NICE", "CAP_SYS_PACCT", "CAP_SYS_TTY_CONFIG", "CAP_SYSLOG"},
			calls: []call{
				{name: "kcmp", want: Allow},
				{name: "pidfd_getfd", want: Allow},
				{name: "settimeofday", want: Allow},
				{name: "clock_settime", want: Allow},
				{name: "init_module", want: Allow},
				{name: "finit_module", want: Allow},
				{name: "bpf", want: Allow},
				{name: "perf_event_open", want: Allow},
				{name: "open_by_handle_at", want: Allow},
				{name: "iopl", want: Allow},
				{name: "mbind", want: Allow},
				{name: "acct", want: Allow},
				{name: "vhangup", want: Allow},
				{name: "syslog", want: Allow},
				{name: "mount", want: eperm},
				{name: "chroot", want: eperm},
			},
		},
		{
			name: "arm64 default capabilities",
			arch: "arm64",
			caps: capability.Default(),
			calls: []call{
				{name: "read", want: Allow},
				{name: "openat", want: Allow},
				{name: "keyctl", want: eperm},
				{name: "clone", args: [6]uint64{cloneFlags}, want: Allow},
				{name: "clone", args: [6]uint64{unix.CLONE_NEWUSER}, want: eperm},
				{name: "clone3", want: enosys},
				{name: "mount", want: eperm},
				{name: "personality", args: [6]uint64{0}, want: Allow},
				{name: "personality", args: [6]uint64{0xdead}, want: eperm},
				{name: "socket", args: [6]uint64{unix.AF_VSOCK}, want: eperm},
				{nr: x32SyscallBit, want: enosys}, // no x32 on arm64
				{name: "read", arch: "arm", want: Allow},
				{name: "open", arch: "arm", want: Allow},
				{name: "set_tls", arch: "arm", want: Allow},
				{name: "cacheflush", arch: "arm", want: Allow},
				{name: "arm_fadvise64_64", arch: "arm", want: Allow},
				{name: "keyctl", arch: "arm", want: eperm},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			filter, err := Default().compile(tt.arch, tt.caps, modernKernel)
			require.NoError(t, err)
			vm := newVM(t, filter)
			for _, c := range tt.calls {
				abiName := c.arch
				if abiName == "" {
					abiName = tt.arch
				}
				number := c.nr
				if c.name != "" {
					number = nr(t, abiName, c.name)
				}
				got := decide(t, vm, seccompData{nr: number, arch: abis[abiName].audit, args: c.args})
				assert.Equal(t, c.want, got, "%s %s(%d) args %#x", abiName, c.name, number, c.args[0])
			}
		})
	}
}

func TestDefaultProfileOtherArchitectureGetsDefaultAction(t *testing.T) {
	filter, err := Default().compile("amd64", capability.Default(), modernKernel)
	require.NoError(t, err)
	for _, audit := range []uint32{abis["arm64"].audit, abis["arm"].audit, 0, 0xffffffff} {
		// read, which every section allows, on an architecture the filter
		// does not cover.
		assert.Equal(t, eperm, run(t, filter, seccompData{nr: 0, arch: audit}), "arch %#x", audit)
		assert.Equal(t, eperm, run(t, filter, seccompData{nr: 3, arch: audit}), "arch %#x", audit)
	}
}

func TestDefaultProfileMinKernel(t *testing.T) {
	old := KernelVersion{Major: 4, Minor: 7}
	filter, err := Default().compile("amd64", capability.Default(), old)
	require.NoError(t, err)
	ptrace := seccompData{nr: nr(t, "amd64", "ptrace"), arch: abis["amd64"].audit}
	assert.Equal(t, eperm, run(t, filter, ptrace), "ptrace needs kernel 4.8 without CAP_SYS_PTRACE")

	filter, err = Default().compile("amd64", []string{"CAP_SYS_PTRACE"}, old)
	require.NoError(t, err)
	assert.Equal(t, Allow, run(t, filter, ptrace), "CAP_SYS_PTRACE allows ptrace on any kernel")
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name    string
		profile *Profile
		arch    string
		want    error
	}{
		{name: "unknown arch", profile: Default(), arch: "sparc64", want: ErrUnsupportedArch},
		{name: "arch not in profile", profile: &Profile{DefaultAction: eperm}, arch: "amd64", want: ErrUnsupportedArch},
		{
			name:    "invalid default action",
			profile: &Profile{DefaultAction: Action(0x12345678), Architectures: []Architecture{{Arch: "amd64"}}},
			arch:    "amd64",
			want:    ErrInvalidRule,
		},
		{
			name: "argument index",
			profile: &Profile{DefaultAction: eperm, Architectures: []Architecture{{Arch: "amd64"}}, Rules: []Rule{
				{Names: []string{"read"}, Action: Allow, Args: []Arg{{Index: 6, Op: OpEqualTo}}},
			}},
			arch: "amd64",
			want: ErrInvalidRule,
		},
		{
			name: "operator",
			profile: &Profile{DefaultAction: eperm, Architectures: []Architecture{{Arch: "amd64"}}, Rules: []Rule{
				{Names: []string{"read"}, Action: Allow, Args: []Arg{{Index: 0}}},
			}},
			arch: "amd64",
			want: ErrInvalidRule,
		},
		{
			name: "rule action",
			profile: &Profile{DefaultAction: eperm, Architectures: []Architecture{{Arch: "amd64"}}, Rules: []Rule{
				{Names: []string{"read"}, Action: Action(0x7fff0001)},
			}},
			arch: "amd64",
			want: ErrInvalidRule,
		},
		{
			name: "64-bit value on a 32-bit sub-architecture",
			profile: &Profile{DefaultAction: eperm, Architectures: []Architecture{{Arch: "amd64", SubArches: []string{"x86"}}}, Rules: []Rule{
				{Names: []string{"read"}, Action: Allow, Args: []Arg{{Index: 0, Value: 1 << 32, Op: OpEqualTo}}},
			}},
			arch: "amd64",
			want: ErrInvalidRule,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.profile.compile(tt.arch, nil, modernKernel)
			require.ErrorIs(t, err, tt.want)
		})
	}
}

func TestCompileSkipsRulesOutsideSelection(t *testing.T) {
	// A rule the selection drops may be invalid without failing Compile,
	// as Docker never looks at it either.
	profile := &Profile{DefaultAction: eperm, Architectures: []Architecture{{Arch: "amd64"}}, Rules: []Rule{
		{Names: []string{"write"}, Action: Allow},
		{Names: []string{"read"}, Action: Allow, Args: []Arg{{Index: 9}}, Includes: Condition{Arches: []string{"s390x"}}},
	}}
	filter, err := profile.compile("amd64", nil, modernKernel)
	require.NoError(t, err)
	assert.Equal(t, Allow, run(t, filter, seccompData{nr: nr(t, "amd64", "write"), arch: abis["amd64"].audit}))
	assert.Equal(t, eperm, run(t, filter, seccompData{nr: nr(t, "amd64", "read"), arch: abis["amd64"].audit}))
}

// TestCompileFirstMatchingRuleWins checks the rule order semantics: rules
// for one syscall are tried in profile order, and an unconditional rule
// ends the list.
func TestCompileFirstMatchingRuleWins(t *testing.T) {
	profile := &Profile{DefaultAction: eperm, Architectures: []Architecture{{Arch: "amd64"}}, Rules: []Rule{
		{Names: []string{"read"}, Action: Errno(unix.EBADF), Args: []Arg{{Index: 0, Value: 7, Op: OpEqualTo}}},
		{Names: []string{"read"}, Action: Log, Args: []Arg{{Index: 0, Value: 5, Op: OpGreaterThan}}},
		{Names: []string{"read"}, Action: Allow},
		{Names: []string{"read"}, Action: KillProcess},
	}}
	filter, err := profile.compile("amd64", nil, modernKernel)
	require.NoError(t, err)
	read := func(fd uint64) Action {
		return run(t, filter, seccompData{nr: 0, arch: abis["amd64"].audit, args: [6]uint64{fd}})
	}
	assert.Equal(t, Errno(unix.EBADF), read(7))
	assert.Equal(t, Log, read(8))
	assert.Equal(t, Allow, read(3))
}

// TestCompileLongJumps builds a program far larger than 8-bit jump offsets
// reach and checks every syscall still lands on its own rule.
func TestCompileLongJumps(t *testing.T) {
	profile := &Profile{DefaultAction: eperm, Architectures: []Architecture{{Arch: "amd64"}}}
	names := map[uint32]string{}
	for name, n := range syscallsAMD64() {
		names[n] = name
	}
	for n := uint32(0); n < 400; n++ {
		name, ok := names[n]
		if !ok {
			continue
		}
		// Each syscall is allowed only when its first argument equals its
		// own number and its second is at most 1<<33.
		profile.Rules = append(profile.Rules, Rule{Names: []string{name}, Action: Allow, Args: []Arg{
			{Index: 0, Value: uint64(n), Op: OpEqualTo},
			{Index: 1, Value: 1 << 33, Op: OpLessOrEqual},
		}})
	}
	filter, err := profile.compile("amd64", nil, modernKernel)
	require.NoError(t, err)
	trampolines := 0
	for _, in := range filter {
		if in.Code == unix.BPF_JMP|unix.BPF_JA {
			trampolines++
		}
	}
	require.Positive(t, trampolines, "the program should need long jumps")

	vm := newVM(t, filter)
	audit := abis["amd64"].audit
	for n := range names {
		if n >= 400 {
			continue
		}
		assert.Equal(t, Allow, decide(t, vm, seccompData{nr: n, arch: audit, args: [6]uint64{uint64(n), 1 << 33}}), "syscall %d", n)
		assert.Equal(t, eperm, decide(t, vm, seccompData{nr: n, arch: audit, args: [6]uint64{uint64(n) + 1}}), "syscall %d", n)
		assert.Equal(t, eperm, decide(t, vm, seccompData{nr: n, arch: audit, args: [6]uint64{uint64(n), 1<<33 + 1}}), "syscall %d", n)
	}
}

// argValues are argument values around the edges of the 32-bit halves.
var argValues = []uint64{
	0, 1, 2, 0x7fffffff, 0xfffffffe, 0xffffffff, 1 << 32, 1<<32 + 1, 2<<32 - 1,
	0xdeadbeef, 0x1_0000_dead, 0xffffffff_00000000, 0xffffffff_fffffffe, 0xffffffff_ffffffff,
}

// holds is the meaning of an argument condition, computed in Go.
func holds(a Arg, value uint64, is64 bool) bool {
	want, mask := a.Value, a.Value
	if a.Op == OpMaskedEqual {
		want = a.ValueTwo
	}
	if !is64 {
		value, want, mask = uint64(uint32(value)), uint64(uint32(want)), uint64(uint32(mask))
	}
	switch a.Op {
	case OpEqualTo:
		return value == want
	case OpNotEqual:
		return value != want
	case OpLessThan:
		return value < want
	case OpLessOrEqual:
		return value <= want
	case OpGreaterThan:
		return value > want
	case OpGreaterOrEqual:
		return value >= want
	case OpMaskedEqual:
		return value&mask == want
	}
	panic(fmt.Sprintf("unknown op %v", a.Op))
}

var allOps = []Op{OpNotEqual, OpLessThan, OpLessOrEqual, OpEqualTo, OpGreaterOrEqual, OpGreaterThan, OpMaskedEqual}

// checkArg compiles a one-rule profile for condition a on argument a.Index
// and compares the filter's decision with holds for value.
func checkArg(t *testing.T, a Arg, value uint64) {
	t.Helper()
	profile := &Profile{
		DefaultAction: eperm,
		Architectures: []Architecture{{Arch: "amd64", SubArches: []string{"x86"}}},
		Rules:         []Rule{{Names: []string{"read"}, Action: Allow, Args: []Arg{a}}},
	}
	is32 := a.Value>>32 == 0 && (a.Op != OpMaskedEqual || a.ValueTwo>>32 == 0)
	if !is32 {
		profile.Architectures[0].SubArches = nil
	}
	filter, err := profile.compile("amd64", nil, modernKernel)
	require.NoError(t, err)

	var args [6]uint64
	args[a.Index] = value
	want := eperm
	if holds(a, value, true) {
		want = Allow
	}
	got := run(t, filter, seccompData{nr: nr(t, "amd64", "read"), arch: abis["amd64"].audit, args: args})
	require.Equal(t, want, got, "amd64: %#x %v %#x (two %#x)", value, a.Op, a.Value, a.ValueTwo)

	if is32 {
		want = eperm
		if holds(a, value, false) {
			want = Allow
		}
		got := run(t, filter, seccompData{nr: nr(t, "x86", "read"), arch: abis["x86"].audit, args: args})
		require.Equal(t, want, got, "x86: %#x %v %#x (two %#x)", value, a.Op, a.Value, a.ValueTwo)
	}
}

func TestCompileArgumentComparisons(t *testing.T) {
	for _, op := range allOps {
		t.Run(op.String(), func(t *testing.T) {
			for _, ruleValue := range argValues {
				for _, value := range argValues {
					a := Arg{Index: 2, Value: ruleValue, Op: op}
					if op == OpMaskedEqual {
						a.ValueTwo = ruleValue & 0xffff0000_ffff0000
					}
					checkArg(t, a, value)
				}
			}
		})
	}
}

func FuzzCompileArgument(f *testing.F) {
	f.Add(uint8(0), uint8(0), uint64(0), uint64(0), uint64(0))
	f.Add(uint8(6), uint8(5), uint64(0x7e020000), uint64(0), uint64(0x10000000))
	f.Add(uint8(2), uint8(1), uint64(1<<32), uint64(0), uint64(0xffffffff))
	f.Fuzz(func(t *testing.T, opIndex, index uint8, ruleValue, valueTwo, value uint64) {
		a := Arg{
			Index:    uint(index % maxArgs),
			Value:    ruleValue,
			ValueTwo: valueTwo,
			Op:       allOps[int(opIndex)%len(allOps)],
		}
		checkArg(t, a, value)
	})
}

func TestABIAuditValues(t *testing.T) {
	assert.Equal(t, uint32(unix.AUDIT_ARCH_X86_64), abis["amd64"].audit)
	assert.Equal(t, uint32(unix.AUDIT_ARCH_I386), abis["x86"].audit)
	assert.Equal(t, uint32(unix.AUDIT_ARCH_AARCH64), abis["arm64"].audit)
	assert.Equal(t, uint32(unix.AUDIT_ARCH_ARM), abis["arm"].audit)
}

func TestDefaultProfileConstants(t *testing.T) {
	assert.Equal(t, uint64(unix.CLONE_NEWNS|unix.CLONE_NEWCGROUP|unix.CLONE_NEWUTS|unix.CLONE_NEWIPC|
		unix.CLONE_NEWUSER|unix.CLONE_NEWPID|unix.CLONE_NEWNET), uint64(cloneNamespaceFlags))
	assert.Equal(t, unix.AF_ALG, afALG)
	assert.Equal(t, unix.AF_NFC, afNFC)
	assert.Equal(t, unix.AF_VSOCK, afVSOCK)
	assert.Equal(t, unix.AF_KCM, afKCM)
	assert.Equal(t, unix.AF_QIPCRTR, afQIPCR)
	assert.Equal(t, unix.AF_SMC, afSMC)
	assert.Equal(t, unix.AF_XDP, afXDP)
	assert.Equal(t, unix.AF_MCTP, afMCTP)
	assert.Equal(t, uint32(unix.SECCOMP_RET_ALLOW), uint32(Allow))
	assert.Equal(t, uint32(unix.SECCOMP_RET_ERRNO|1), uint32(eperm))
	assert.Equal(t, uint32(unix.SECCOMP_RET_KILL_PROCESS), uint32(KillProcess))
	assert.Equal(t, uint32(unix.SECCOMP_RET_KILL_THREAD), uint32(KillThread))
	assert.Equal(t, uint32(unix.SECCOMP_RET_TRAP), uint32(Trap))
	assert.Equal(t, uint32(unix.SECCOMP_RET_LOG), uint32(Log))
}

func BenchmarkCompileDefault(b *testing.B) {
	profile := Default()
	caps := capability.Default()
	for b.Loop() {
		if _, err := profile.Compile("amd64", caps); err != nil {
			b.Fatal(err)
		}
	}
}
