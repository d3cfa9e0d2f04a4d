//go:build amd64 && !purego

package lineindex

// useAVX2 is set when the CPU and OS support AVX2 (cpuid and xgetbv in
// lineindex_amd64.s).
var useAVX2 = detectAVX2()

func detectAVX2() bool {
	_, ebx7, _, _ := cpuid(7, 0)
	return hasAVX() && ebx7&(1<<5) != 0
}

// hasAVX reports whether the CPU has AVX and the OS saves its registers.
func hasAVX() bool {
	_, _, ecx1, _ := cpuid(1, 0)
	const osxsave, avx = 1 << 27, 1 << 28
	if ecx1&osxsave == 0 || ecx1&avx == 0 {
		return false
	}
	xcr0, _ := xgetbv()
	return xcr0&6 == 6 // XMM and YMM state
}

func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

func xgetbv() (eax, edx uint32)

// scanBlocksAVX2 is scanBlocksGeneric, 32 bytes per instruction.
//
//go:noescape
func scanBlocksAVX2(p *byte, blocks int, space, quote, equals, unsafe *uint64)

// scanBlocks indexes 64-byte blocks (see Index.build).
func scanBlocks(p []byte, space, quote, equals, unsafe []uint64) {
	blocks := len(p) / 64
	if blocks == 0 {
		return
	}
	if !useAVX2 {
		scanBlocksGeneric(p, space, quote, equals, unsafe)
		return
	}
	// The assembly writes blocks words to each mask.
	_, _, _, _ = space[blocks-1], quote[blocks-1], equals[blocks-1], unsafe[blocks-1]
	scanBlocksAVX2(&p[0], blocks, &space[0], &quote[0], &equals[0], &unsafe[0])
}

func AVX2InUse() bool { return useAVX2 }
