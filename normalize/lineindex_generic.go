//go:build !amd64 || purego

package normalize

// scanBlocks indexes 64-byte blocks (see lineIndex.build).
func scanBlocks(p []byte, space, quote, equals, unsafe []uint64) {
	scanBlocksGeneric(p, space, quote, equals, unsafe)
}

func avx2InUse() bool { return false }
