//go:build !amd64 || purego

package normalize

// sha256Blocks reports false: without the assembly, correlation IDs use
// crypto/sha256.
func sha256Blocks(h *[8]uint32, p []byte) bool { return false }

func useSHANIInUse() bool { return false }
