#include "textflag.h"

// func rawClone(flags uintptr) (pid, errno uintptr)
//
// clone(2) with no new stack, as package syscall's rawVforkSyscall. The
// return address is in the link register, of which the child, running on
// the caller's stack with CLONE_VM|CLONE_VFORK, has its own copy.
TEXT ·rawClone(SB),NOSPLIT,$0-24
	MOVD	flags+0(FP), R0
	MOVD	$0, R1
	MOVD	$0, R2
	MOVD	$0, R3
	MOVD	$0, R4
	MOVD	$0, R5
	MOVD	$220, R8	// SYS_clone
	SVC
	CMN	$4095, R0
	BCC	ok
	MOVD	$-1, R4
	MOVD	R4, pid+8(FP)
	NEG	R0, R0
	MOVD	R0, errno+16(FP)
	RET
ok:
	MOVD	R0, pid+8(FP)
	MOVD	ZR, errno+16(FP)
	RET
