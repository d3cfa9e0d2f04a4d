//go:build amd64 && !purego

#include "textflag.h"

// func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL sub+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET

// func scanBlocksAVX2(p *byte, blocks int, space, quote, equals, unsafe *uint64)
//
// For each 64-byte block: bit i of each output word is set when byte i is
// ' ', '"', '=', or (unsafe) below 0x20, 0x80 and up, or '\\'.
TEXT ·scanBlocksAVX2(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), SI
	MOVQ blocks+8(FP), CX
	MOVQ space+16(FP), R8
	MOVQ quote+24(FP), R9
	MOVQ equals+32(FP), R10
	MOVQ unsafe+40(FP), R11

	// Only VEX instructions touch vector registers here: a legacy SSE
	// one (MOVQ AX, X10) with the YMM upper halves in use costs more than
	// the whole scan (see TestAssemblyIsVEXOnly).
	MOVL $0x20, AX
	VMOVD AX, X10
	VPBROADCASTB X10, Y10 // ' '
	MOVL $0x22, AX
	VMOVD AX, X11
	VPBROADCASTB X11, Y11 // '"'
	MOVL $0x3d, AX
	VMOVD AX, X12
	VPBROADCASTB X12, Y12 // '='
	MOVL $0x1f, AX
	VMOVD AX, X13
	VPBROADCASTB X13, Y13 // 0x1f: signed b > 0x1f is exactly 0x20..0x7f
	MOVL $0x5c, AX
	VMOVD AX, X14
	VPBROADCASTB X14, Y14 // '\\'

loop:
	VMOVDQU (SI), Y0
	VMOVDQU 32(SI), Y1

	VPCMPEQB Y0, Y10, Y2
	VPCMPEQB Y1, Y10, Y3
	VPMOVMSKB Y2, AX
	VPMOVMSKB Y3, BX
	SHLQ $32, BX
	ORQ BX, AX
	MOVQ AX, (R8)

	VPCMPEQB Y0, Y11, Y2
	VPCMPEQB Y1, Y11, Y3
	VPMOVMSKB Y2, AX
	VPMOVMSKB Y3, BX
	SHLQ $32, BX
	ORQ BX, AX
	MOVQ AX, (R9)

	VPCMPEQB Y0, Y12, Y2
	VPCMPEQB Y1, Y12, Y3
	VPMOVMSKB Y2, AX
	VPMOVMSKB Y3, BX
	SHLQ $32, BX
	ORQ BX, AX
	MOVQ AX, (R10)

	// safe = (b > 0x1f signed) and not '\\'; unsafe is its complement.
	VPCMPGTB Y13, Y0, Y2
	VPCMPGTB Y13, Y1, Y3
	VPCMPEQB Y0, Y14, Y4
	VPCMPEQB Y1, Y14, Y5
	VPANDN Y2, Y4, Y2
	VPANDN Y3, Y5, Y3
	VPMOVMSKB Y2, AX
	VPMOVMSKB Y3, BX
	SHLQ $32, BX
	ORQ BX, AX
	NOTQ AX
	MOVQ AX, (R11)

	ADDQ $64, SI
	ADDQ $8, R8
	ADDQ $8, R9
	ADDQ $8, R10
	ADDQ $8, R11
	DECQ CX
	JNZ loop

	VZEROUPPER
	RET
