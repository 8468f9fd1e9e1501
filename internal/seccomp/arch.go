package seccomp

//go:generate go run ./internal/mksyscalls -o zsyscalls.go

// abi describes one syscall ABI a filter can handle.
type abi struct {
	// audit is the AUDIT_ARCH_* value the kernel puts in seccomp_data.arch.
	audit uint32
	// is64 says whether syscall arguments are 64 bits wide. On 32-bit ABIs
	// only the low half of an argument is compared, as libseccomp does.
	is64 bool
	// x32 says whether syscall numbers with bit 30 set belong to the x32
	// ABI, which shares AUDIT_ARCH_X86_64 with amd64.
	x32 bool
	// syscalls maps names to numbers (generated into zsyscalls.go).
	syscalls func() map[string]uint32
}

// x32SyscallBit marks x32 syscalls on amd64 (__X32_SYSCALL_BIT).
const x32SyscallBit = 0x40000000

// abis are the ABIs this package has syscall tables for, by Docker's name.
// All of them are little-endian, which decides where the halves of a 64-bit
// argument are in seccomp_data.
var abis = map[string]abi{
	"amd64": {audit: 0xc000003e, is64: true, x32: true, syscalls: syscallsAMD64}, // AUDIT_ARCH_X86_64
	"x86":   {audit: 0x40000003, syscalls: syscallsX86},                          // AUDIT_ARCH_I386
	"arm64": {audit: 0xc00000b7, is64: true, syscalls: syscallsARM64},            // AUDIT_ARCH_AARCH64
	"arm":   {audit: 0x40000028, syscalls: syscallsARM},                          // AUDIT_ARCH_ARM
}
