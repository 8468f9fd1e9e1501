package seccomp

import (
	"fmt"
	"slices"
	"strings"
	"syscall"
)

// Profile is a seccomp policy as data: what happens to a syscall no rule
// matches, which architectures it covers, and the rules. It mirrors the
// layout of Docker's seccomp profiles (default.json) so that a profile can be
// read side by side with Docker's.
type Profile struct {
	// DefaultAction applies to every syscall no selected rule matches.
	DefaultAction Action
	// Architectures lists, per native architecture, the compatibility ABIs
	// whose syscalls the compiled filter also handles (Docker's archMap).
	Architectures []Architecture
	// Rules are tried in order; the first matching rule decides a syscall.
	Rules []Rule
}

// Architecture is one native architecture and the ABIs that run under it,
// named as Docker names them ("amd64" with "x86" and "x32", "arm64" with
// "arm").
type Architecture struct {
	Arch      string
	SubArches []string
}

// Rule gives Action to the syscalls in Names when all Args conditions hold.
//
// Includes and Excludes decide whether the rule is part of a compiled filter
// at all, exactly as in Docker: a rule is kept only if the container has all
// capabilities of Includes.Caps, the native architecture is one of
// Includes.Arches (when set) and the kernel is at least Includes.MinKernel
// (when set); it is dropped if the container has any capability of
// Excludes.Caps, the native architecture is one of Excludes.Arches or the
// kernel is at least Excludes.MinKernel.
type Rule struct {
	Names    []string
	Action   Action
	Args     []Arg
	Includes Condition
	Excludes Condition
	// Comment says why the rule exists; it has no effect.
	Comment string
}

// Condition selects the containers a rule applies to. The zero Condition
// selects nothing when used in Excludes and everything in Includes.
type Condition struct {
	// Caps are capability names with the "CAP_" prefix ("CAP_SYS_ADMIN"),
	// matched against the container's bounding set.
	Caps []string
	// Arches are native architecture names ("amd64", "arm64", "s390x").
	Arches []string
	// MinKernel is compared with the running kernel's version.
	MinKernel *KernelVersion
}

// KernelVersion is a kernel's major and minor version ("4.8").
type KernelVersion struct {
	Major, Minor uint64
}

// String formats the version as "major.minor".
func (v KernelVersion) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// AtLeast reports whether v is min or newer.
func (v KernelVersion) AtLeast(min KernelVersion) bool {
	return v.Major > min.Major || (v.Major == min.Major && v.Minor >= min.Minor)
}

// Arg is a condition on one of a syscall's six arguments, compared as an
// unsigned 64-bit number: Arg[Index] Op Value. For OpMaskedEqual the
// condition is Arg[Index] & Value == ValueTwo, as in Docker and the OCI spec.
type Arg struct {
	Index    uint
	Value    uint64
	ValueTwo uint64
	Op       Op
}

// Op is an argument comparison operator.
type Op int

// The comparison operators, with Docker's (libseccomp's) names in comments.
const (
	OpNotEqual       Op = iota + 1 // SCMP_CMP_NE
	OpLessThan                     // SCMP_CMP_LT
	OpLessOrEqual                  // SCMP_CMP_LE
	OpEqualTo                      // SCMP_CMP_EQ
	OpGreaterOrEqual               // SCMP_CMP_GE
	OpGreaterThan                  // SCMP_CMP_GT
	OpMaskedEqual                  // SCMP_CMP_MASKED_EQ
)

var opNames = map[Op]string{
	OpNotEqual:       "SCMP_CMP_NE",
	OpLessThan:       "SCMP_CMP_LT",
	OpLessOrEqual:    "SCMP_CMP_LE",
	OpEqualTo:        "SCMP_CMP_EQ",
	OpGreaterOrEqual: "SCMP_CMP_GE",
	OpGreaterThan:    "SCMP_CMP_GT",
	OpMaskedEqual:    "SCMP_CMP_MASKED_EQ",
}

// String returns libseccomp's name for op.
func (op Op) String() string {
	if name, ok := opNames[op]; ok {
		return name
	}
	return fmt.Sprintf("Op(%d)", int(op))
}

// Action is what the kernel does with a syscall: the SECCOMP_RET_* value a
// filter returns, including the errno for Errno actions.
type Action uint32

// Kernel return values (include/uapi/linux/seccomp.h).
const (
	retKillProcess uint32 = 0x80000000
	retKillThread  uint32 = 0x00000000
	retTrap        uint32 = 0x00030000
	retErrno       uint32 = 0x00050000
	retLog         uint32 = 0x7ffc0000
	retAllow       uint32 = 0x7fff0000
	retActionMask  uint32 = 0xffff0000
	retDataMask    uint32 = 0x0000ffff
)

// The actions. Errno builds the remaining one.
const (
	Allow       = Action(retAllow)       // SCMP_ACT_ALLOW: run the syscall.
	Log         = Action(retLog)         // SCMP_ACT_LOG: run it and log it.
	Trap        = Action(retTrap)        // SCMP_ACT_TRAP: send SIGSYS.
	KillThread  = Action(retKillThread)  // SCMP_ACT_KILL_THREAD: kill the calling thread.
	KillProcess = Action(retKillProcess) // SCMP_ACT_KILL_PROCESS: kill the whole process.
)

// Errno is the action that fails the syscall with errno (SCMP_ACT_ERRNO).
func Errno(errno syscall.Errno) Action {
	return Action(retErrno | uint32(errno)&retDataMask)
}

// valid reports whether a is one of the actions above.
func (a Action) valid() bool {
	switch uint32(a) & retActionMask {
	case retKillProcess, retTrap, retErrno:
		return true
	case retKillThread, retLog, retAllow:
		return uint32(a)&retDataMask == 0
	}
	return false
}

// allows reports whether a lets the syscall run (runc's notion of an "allow"
// action, which decides whether unknown syscalls get ENOSYS).
func (a Action) allows() bool { return a == Allow || a == Log }

// String returns libseccomp's name for a, with the errno for Errno actions.
func (a Action) String() string {
	switch uint32(a) & retActionMask {
	case retAllow:
		return "SCMP_ACT_ALLOW"
	case retLog:
		return "SCMP_ACT_LOG"
	case retTrap:
		return "SCMP_ACT_TRAP"
	case retKillThread:
		return "SCMP_ACT_KILL_THREAD"
	case retKillProcess:
		return "SCMP_ACT_KILL_PROCESS"
	case retErrno:
		return fmt.Sprintf("SCMP_ACT_ERRNO(%d)", uint32(a)&retDataMask)
	}
	return fmt.Sprintf("Action(%#x)", uint32(a))
}

// normalizeCapability upper-cases name and adds the "CAP_" prefix, so that
// "sys_admin", "SYS_ADMIN" and "CAP_SYS_ADMIN" compare equal.
func normalizeCapability(name string) string {
	name = strings.ToUpper(strings.TrimSpace(name))
	if !strings.HasPrefix(name, "CAP_") {
		name = "CAP_" + name
	}
	return name
}

// selected reports whether rule r is part of the filter for a container with
// the capabilities caps on native architecture arch and kernel version kernel
// (Docker's includes/excludes logic).
func (r *Rule) selected(arch string, caps map[string]bool, kernel KernelVersion) bool {
	ex := r.Excludes
	if slices.Contains(ex.Arches, arch) {
		return false
	}
	for _, c := range ex.Caps {
		if caps[normalizeCapability(c)] {
			return false
		}
	}
	if ex.MinKernel != nil && kernel.AtLeast(*ex.MinKernel) {
		return false
	}

	in := r.Includes
	if len(in.Arches) > 0 && !slices.Contains(in.Arches, arch) {
		return false
	}
	for _, c := range in.Caps {
		if !caps[normalizeCapability(c)] {
			return false
		}
	}
	if in.MinKernel != nil && !kernel.AtLeast(*in.MinKernel) {
		return false
	}
	return true
}
