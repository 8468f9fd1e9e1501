package seccomp

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// maxInstructions is the kernel's limit on a classic BPF program
// (BPF_MAXINSNS).
const maxInstructions = 4096

// maxJump is the farthest a conditional jump can reach: its offsets are
// 8 bits wide.
const maxJump = 255

// program is a classic BPF program under construction. Jumps name their
// targets by label; assemble turns labels into offsets, routing conditional
// jumps whose target is too far through unconditional jumps (which have
// 32-bit offsets) placed right after them.
type program struct {
	insns   []*instruction
	pending []*label // labels bound to the next instruction emitted
}

// instruction is one BPF instruction. For a conditional jump, jt and jf are
// the targets when the condition holds and when it does not; for BPF_JA, jt
// is the target.
type instruction struct {
	code   uint16
	k      uint32
	jt, jf *label
	pos    int
}

// label marks the instruction a jump goes to.
type label struct {
	target *instruction
}

func (p *program) newLabel() *label { return &label{} }

// bind makes l refer to the next instruction emitted.
func (p *program) bind(l *label) { p.pending = append(p.pending, l) }

func (p *program) emit(in *instruction) {
	for _, l := range p.pending {
		l.target = in
	}
	p.pending = p.pending[:0]
	p.insns = append(p.insns, in)
}

// load sets A to the 32-bit word of seccomp_data at offset.
func (p *program) load(offset uint32) {
	p.emit(&instruction{code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, k: offset})
}

// and sets A to A & k.
func (p *program) and(k uint32) {
	p.emit(&instruction{code: unix.BPF_ALU | unix.BPF_AND | unix.BPF_K, k: k})
}

// jumpIf compares A with k using op (BPF_JEQ, BPF_JGT, BPF_JGE) and goes to
// jt or jf; a nil label means the instruction emitted next.
func (p *program) jumpIf(op uint16, k uint32, jt, jf *label) {
	var next *label
	if jt == nil || jf == nil {
		next = p.newLabel()
	}
	if jt == nil {
		jt = next
	}
	if jf == nil {
		jf = next
	}
	p.emit(&instruction{code: unix.BPF_JMP | op | unix.BPF_K, k: k, jt: jt, jf: jf})
	if next != nil {
		// Bound to the instruction itself, not to "whatever follows": a
		// trampoline assemble inserts must not come in between.
		p.bind(next)
	}
}

// ret ends the program with action.
func (p *program) ret(action Action) {
	p.emit(&instruction{code: unix.BPF_RET | unix.BPF_K, k: uint32(action)})
}

func isConditional(in *instruction) bool {
	return in.code&0x07 == unix.BPF_JMP && in.code&0xf0 != unix.BPF_JA
}

// distance is the offset a jump at in needs to reach l.
func distance(in *instruction, l *label) int {
	return l.target.pos - in.pos - 1
}

// assemble resolves labels and returns the finished program.
func (p *program) assemble() ([]unix.SockFilter, error) {
	if len(p.pending) > 0 {
		return nil, fmt.Errorf("assemble seccomp filter: label bound past the last instruction")
	}
	for _, in := range p.insns {
		for _, l := range []*label{in.jt, in.jf} {
			if l != nil && l.target == nil {
				return nil, fmt.Errorf("assemble seccomp filter: jump to an unbound label")
			}
		}
	}
	// Each pass adds a trampoline after every conditional jump with a
	// target out of reach. Trampolines only push targets farther, so
	// repeating until nothing changes reaches a program where every jump
	// fits; a jump once given a trampoline never needs another for the
	// same target.
	for changed := true; changed; {
		changed = false
		for i, in := range p.insns {
			in.pos = i
		}
		insns := make([]*instruction, 0, len(p.insns))
		for _, in := range p.insns {
			insns = append(insns, in)
			if !isConditional(in) {
				continue
			}
			farTrue := distance(in, in.jt) > maxJump
			farFalse := distance(in, in.jf) > maxJump
			if farTrue {
				trampoline := &instruction{code: unix.BPF_JMP | unix.BPF_JA, jt: in.jt}
				in.jt = &label{target: trampoline}
				insns = append(insns, trampoline)
				changed = true
			}
			if farFalse {
				trampoline := &instruction{code: unix.BPF_JMP | unix.BPF_JA, jt: in.jf}
				in.jf = &label{target: trampoline}
				insns = append(insns, trampoline)
				changed = true
			}
		}
		p.insns = insns
	}
	if len(p.insns) > maxInstructions {
		return nil, fmt.Errorf("assemble seccomp filter: %d instructions: %w", len(p.insns), ErrInvalidFilter)
	}

	filter := make([]unix.SockFilter, len(p.insns))
	for i, in := range p.insns {
		out := unix.SockFilter{Code: in.code, K: in.k}
		switch {
		case in.code == unix.BPF_JMP|unix.BPF_JA:
			d := distance(in, in.jt)
			if d < 0 {
				return nil, fmt.Errorf("assemble seccomp filter: backward jump at %d", i)
			}
			out.K = uint32(d)
		case isConditional(in):
			dt, df := distance(in, in.jt), distance(in, in.jf)
			if dt < 0 || df < 0 || dt > maxJump || df > maxJump {
				return nil, fmt.Errorf("assemble seccomp filter: jump at %d out of range (%d, %d)", i, dt, df)
			}
			out.Jt, out.Jf = uint8(dt), uint8(df)
		}
		filter[i] = out
	}
	return filter, nil
}
