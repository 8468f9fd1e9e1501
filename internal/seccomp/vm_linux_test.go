package seccomp

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// seccompData is the input of a filter, struct seccomp_data.
type seccompData struct {
	nr   uint32
	arch uint32
	args [6]uint64
}

// packet lays d out for golang.org/x/net/bpf's VM. The kernel loads the
// 32-bit words of seccomp_data in host byte order (little-endian on every
// architecture this package supports), the VM in network order, so each
// word is stored big-endian at the offset where the kernel would find it.
func (d seccompData) packet() []byte {
	buf := make([]byte, 64)
	put := func(offset int, word uint32) { binary.BigEndian.PutUint32(buf[offset:], word) }
	put(offsetNr, d.nr)
	put(offsetArch, d.arch)
	for i, arg := range d.args {
		put(offsetArgs+8*i, uint32(arg))       // low half
		put(offsetArgs+8*i+4, uint32(arg>>32)) // high half
	}
	return buf
}

// newVM loads filter into golang.org/x/net/bpf's VM.
func newVM(t testing.TB, filter []unix.SockFilter) *bpf.VM {
	t.Helper()
	raw := make([]bpf.RawInstruction, len(filter))
	for i, in := range filter {
		raw[i] = bpf.RawInstruction{Op: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	insns, ok := bpf.Disassemble(raw)
	require.True(t, ok, "filter has instructions the VM does not know")
	vm, err := bpf.NewVM(insns)
	require.NoError(t, err)
	return vm
}

// decide runs the loaded filter on d and returns the action it picks.
func decide(t testing.TB, vm *bpf.VM, d seccompData) Action {
	t.Helper()
	out, err := vm.Run(d.packet())
	require.NoError(t, err)
	return Action(uint32(out))
}

// run executes filter on d in the VM and returns the action it picks.
func run(t testing.TB, filter []unix.SockFilter, d seccompData) Action {
	t.Helper()
	return decide(t, newVM(t, filter), d)
}

// nr returns the number of syscall name on arch.
func nr(t testing.TB, arch, name string) uint32 {
	t.Helper()
	n, ok := abis[arch].syscalls()[name]
	require.True(t, ok, "%s has no syscall %q", arch, name)
	return n
}
