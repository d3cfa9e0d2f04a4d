//go:build !amd64 || purego

package lineindex

// scanBlocks indexes 64-byte blocks (see Index.build).
func scanBlocks(p []byte, space, quote, equals, unsafe []uint64) {
	scanBlocksGeneric(p, space, quote, equals, unsafe)
}

func AVX2InUse() bool { return false }
