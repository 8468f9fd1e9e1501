package seccomp

import (
	"fmt"
	"slices"
	"syscall"

	"golang.org/x/sys/unix"
)

// Offsets into struct seccomp_data, the input of a seccomp filter.
const (
	offsetNr   = 0  // int nr
	offsetArch = 4  // __u32 arch
	offsetArgs = 16 // __u64 args[6]
	maxArgs    = 6
)

// Compile turns p into a classic BPF program for the native architecture
// arch ("amd64" or "arm64", as runtime.GOARCH names them) and a container
// whose bounding set holds caps. Capability names may be given with or
// without "CAP_" and in any case; names this package does not know are
// simply never matched by a rule's Includes or Excludes.
//
// The program checks seccomp_data.arch first: syscalls of arch and of each
// sub-architecture this package has a table for (x86 under amd64, arm under
// arm64) are filtered by p; any other architecture, and x32 syscalls on
// amd64, get p.DefaultAction. Within one architecture the program finds the
// syscall by binary search over number ranges and then checks the
// argument conditions of its rules in profile order; the first rule that
// matches decides. Syscall names the architecture does not have are
// skipped. Like runc, when p.DefaultAction does not allow the syscall, a
// syscall numbered above every syscall the profile names fails with ENOSYS
// instead, so that programs probing for syscalls newer than the profile
// fall back instead of seeing EPERM.
//
// Rules' MinKernel conditions are compared with the running kernel.
// Compile takes some tens of microseconds for Docker's default profile.
func (p *Profile) Compile(arch string, caps []string) ([]unix.SockFilter, error) {
	kernel, err := runningKernel()
	if err != nil {
		return nil, fmt.Errorf("compile seccomp profile: %w", err)
	}
	return p.compile(arch, caps, kernel)
}

// compile is Compile with the kernel version given.
func (p *Profile) compile(arch string, caps []string, kernel KernelVersion) ([]unix.SockFilter, error) {
	if !p.DefaultAction.valid() {
		return nil, fmt.Errorf("compile seccomp profile: default action %v: %w", p.DefaultAction, ErrInvalidRule)
	}
	native, ok := abis[arch]
	archIndex := slices.IndexFunc(p.Architectures, func(a Architecture) bool { return a.Arch == arch })
	if !ok || archIndex < 0 {
		return nil, fmt.Errorf("compile seccomp profile for %q: %w", arch, ErrUnsupportedArch)
	}

	capSet := make(map[string]bool, len(caps))
	for _, c := range caps {
		capSet[normalizeCapability(c)] = true
	}
	var rules []*Rule
	for i := range p.Rules {
		rule := &p.Rules[i]
		if !rule.selected(arch, capSet, kernel) {
			continue
		}
		if err := rule.validate(); err != nil {
			return nil, fmt.Errorf("compile seccomp profile: rule %d (%v): %w", i, rule.Names, err)
		}
		rules = append(rules, rule)
	}

	sections := []abi{native}
	for _, sub := range p.Architectures[archIndex].SubArches {
		// x32 has no table of its own: its syscalls are the amd64
		// section's numbers with x32SyscallBit set and get the default
		// action there.
		if a, ok := abis[sub]; ok {
			sections = append(sections, a)
		}
	}

	var prog program
	labels := make([]*label, len(sections))
	prog.load(offsetArch)
	for i, section := range sections {
		labels[i] = prog.newLabel()
		prog.jumpIf(unix.BPF_JEQ, section.audit, labels[i], nil)
	}
	prog.ret(p.DefaultAction)
	for i, section := range sections {
		prog.bind(labels[i])
		if err := prog.section(section, rules, p.DefaultAction); err != nil {
			return nil, fmt.Errorf("compile seccomp profile for %q: %w", arch, err)
		}
	}
	return prog.assemble()
}

// validate reports a rule that cannot be compiled for any architecture.
func (r *Rule) validate() error {
	if !r.Action.valid() {
		return fmt.Errorf("action %v: %w", r.Action, ErrInvalidRule)
	}
	for _, arg := range r.Args {
		if arg.Index >= maxArgs {
			return fmt.Errorf("argument index %d: %w", arg.Index, ErrInvalidRule)
		}
		if _, ok := opNames[arg.Op]; !ok {
			return fmt.Errorf("operator %v: %w", arg.Op, ErrInvalidRule)
		}
	}
	return nil
}

// numberRange is a run of syscall numbers, from start up to the next
// range's start, that the filter treats alike: either all get action, or
// (for a single syscall with argument conditions) rules decide.
type numberRange struct {
	start  uint32
	action Action
	rules  []*Rule
}

// section emits the code for one architecture: the syscall number is
// loaded, then a binary search over number ranges leads to a return or to
// the argument checks of one syscall.
func (p *program) section(a abi, rules []*Rule, defaultAction Action) error {
	bySyscall := make(map[uint32][]*Rule)
	for _, rule := range rules {
		for _, name := range rule.Names {
			nr, ok := a.syscalls()[name]
			if !ok {
				continue
			}
			existing := bySyscall[nr]
			if slices.Contains(existing, rule) {
				continue
			}
			// A rule without conditions always matches, so rules after
			// it are never reached.
			if n := len(existing); n > 0 && len(existing[n-1].Args) == 0 {
				continue
			}
			bySyscall[nr] = append(existing, rule)
		}
	}
	numbers := make([]uint32, 0, len(bySyscall))
	for nr := range bySyscall {
		numbers = append(numbers, nr)
	}
	slices.Sort(numbers)

	var ranges []numberRange
	add := func(r numberRange) {
		if n := len(ranges); n > 0 && r.rules == nil && ranges[n-1].rules == nil && ranges[n-1].action == r.action {
			return // extends the previous range
		}
		ranges = append(ranges, r)
	}
	next := uint32(0)
	for _, nr := range numbers {
		if nr > next {
			add(numberRange{start: next, action: defaultAction})
		}
		rs := bySyscall[nr]
		if len(rs) == 1 && len(rs[0].Args) == 0 {
			add(numberRange{start: nr, action: rs[0].Action})
		} else {
			for _, rule := range rs {
				for _, arg := range rule.Args {
					if err := checkArgWidth(arg, a.is64); err != nil {
						return fmt.Errorf("rule %v: %w", rule.Names, err)
					}
				}
			}
			add(numberRange{start: nr, rules: rs})
		}
		next = nr + 1
	}
	// Syscalls above the highest one the profile names are newer than the
	// profile: ENOSYS, as runc's filter gives them.
	beyond := defaultAction
	if len(numbers) > 0 && !defaultAction.allows() {
		beyond = Errno(syscall.ENOSYS)
	}
	if len(numbers) == 0 || next != 0 { // next wraps to 0 only after 0xffffffff
		add(numberRange{start: next, action: beyond})
	}
	if a.x32 && next < x32SyscallBit {
		add(numberRange{start: x32SyscallBit, action: defaultAction})
	}

	p.load(offsetNr)
	p.search(ranges, a.is64, defaultAction)
	return nil
}

// search emits a binary search over ranges, which are sorted and cover
// every number from ranges[0].start up. The syscall number is in A.
func (p *program) search(ranges []numberRange, is64 bool, defaultAction Action) {
	if len(ranges) == 1 {
		p.leaf(ranges[0], is64, defaultAction)
		return
	}
	mid := len(ranges) / 2
	upper := p.newLabel()
	p.jumpIf(unix.BPF_JGE, ranges[mid].start, upper, nil)
	p.search(ranges[:mid], is64, defaultAction)
	p.bind(upper)
	p.search(ranges[mid:], is64, defaultAction)
}

// leaf emits the decision for one range.
func (p *program) leaf(r numberRange, is64 bool, defaultAction Action) {
	if r.rules == nil {
		p.ret(r.action)
		return
	}
	for _, rule := range r.rules {
		if len(rule.Args) == 0 {
			p.ret(rule.Action)
			return
		}
		nextRule := p.newLabel()
		for _, arg := range rule.Args {
			p.arg(arg, is64, nextRule)
		}
		p.ret(rule.Action)
		p.bind(nextRule)
	}
	p.ret(defaultAction)
}

// checkArgWidth rejects, on a 32-bit ABI, a comparison with a value that
// does not fit in 32 bits: libseccomp compares only the low half there.
func checkArgWidth(arg Arg, is64 bool) error {
	if is64 {
		return nil
	}
	compared := arg.Value
	if arg.Op == OpMaskedEqual {
		compared = arg.ValueTwo
	}
	if compared>>32 != 0 {
		return fmt.Errorf("argument %d: value %#x on a 32-bit architecture: %w", arg.Index, compared, ErrInvalidRule)
	}
	return nil
}

// arg emits a check of one argument condition: execution falls through
// when it holds and jumps to fail when it does not. A 64-bit argument is
// compared as two 32-bit halves, high half first.
func (p *program) arg(arg Arg, is64 bool, fail *label) {
	low := uint32(offsetArgs + 8*arg.Index) // little-endian: low half first
	high := low + 4
	value := arg.Value
	if arg.Op == OpMaskedEqual {
		value = arg.ValueTwo
	}
	valueLow, valueHigh := uint32(value), uint32(value>>32)
	mask := arg.Value
	pass := p.newLabel()

	switch arg.Op {
	case OpEqualTo:
		if is64 {
			p.load(high)
			p.jumpIf(unix.BPF_JEQ, valueHigh, nil, fail)
		}
		p.load(low)
		p.jumpIf(unix.BPF_JEQ, valueLow, pass, fail)
	case OpNotEqual:
		if is64 {
			p.load(high)
			p.jumpIf(unix.BPF_JEQ, valueHigh, nil, pass)
		}
		p.load(low)
		p.jumpIf(unix.BPF_JEQ, valueLow, fail, pass)
	case OpMaskedEqual:
		if is64 {
			p.load(high)
			p.and(uint32(mask >> 32))
			p.jumpIf(unix.BPF_JEQ, valueHigh, nil, fail)
		}
		p.load(low)
		p.and(uint32(mask))
		p.jumpIf(unix.BPF_JEQ, valueLow, pass, fail)
	case OpGreaterThan, OpGreaterOrEqual:
		if is64 {
			p.load(high)
			p.jumpIf(unix.BPF_JGT, valueHigh, pass, nil)
			p.jumpIf(unix.BPF_JEQ, valueHigh, nil, fail)
		}
		p.load(low)
		if arg.Op == OpGreaterThan {
			p.jumpIf(unix.BPF_JGT, valueLow, pass, fail)
		} else {
			p.jumpIf(unix.BPF_JGE, valueLow, pass, fail)
		}
	case OpLessThan, OpLessOrEqual:
		if is64 {
			p.load(high)
			p.jumpIf(unix.BPF_JGT, valueHigh, fail, nil)
			p.jumpIf(unix.BPF_JEQ, valueHigh, nil, pass)
		}
		p.load(low)
		if arg.Op == OpLessThan {
			p.jumpIf(unix.BPF_JGE, valueLow, fail, pass)
		} else {
			p.jumpIf(unix.BPF_JGT, valueLow, fail, pass)
		}
	}
	p.bind(pass)
}
