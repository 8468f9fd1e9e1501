#include "textflag.h"

// func rawClone(flags uintptr) (pid, errno uintptr)
//
// clone(2) with no new stack, as package syscall's rawVforkSyscall: with
// CLONE_VM|CLONE_VFORK the child runs on the caller's stack while the
// calling thread waits, and its calls overwrite the slot of this
// function's return address. So the address is kept in a register, which
// each of the two has its own copy of, and pushed back after the call.
TEXT ·rawClone(SB),NOSPLIT|NOFRAME,$0-24
	MOVQ	flags+0(FP), DI
	MOVQ	$0, SI
	MOVQ	$0, DX
	MOVQ	$0, R10
	MOVQ	$0, R8
	MOVQ	$0, R9
	MOVQ	$56, AX	// SYS_clone
	POPQ	R12
	SYSCALL
	PUSHQ	R12
	CMPQ	AX, $0xfffffffffffff001
	JLS	ok
	MOVQ	$-1, pid+8(FP)
	NEGQ	AX
	MOVQ	AX, errno+16(FP)
	RET
ok:
	MOVQ	AX, pid+8(FP)
	MOVQ	$0, errno+16(FP)
	RET
