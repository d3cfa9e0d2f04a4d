//go:build amd64 && !purego

package normalize

// useSHANI is set when the CPU has the SHA extensions and the SSSE3,
// SSE4.1 and AVX instructions sha256BlocksSHANI also uses.
var useSHANI = func() bool {
	_, _, ecx1, _ := cpuid(1, 0)
	const ssse3, sse41 = 1 << 9, 1 << 19
	_, ebx7, _, _ := cpuid(7, 0)
	const sha = 1 << 29
	return hasAVX() && ecx1&ssse3 != 0 && ecx1&sse41 != 0 && ebx7&sha != 0
}()

// sha256BlocksSHANI runs the SHA-256 compression function over each
// 64-byte block of p (len(p) is a multiple of 64), updating h.
//
//go:noescape
func sha256BlocksSHANI(h *[8]uint32, p []byte)

// sha256Blocks is sha256BlocksSHANI when the CPU has it.
func sha256Blocks(h *[8]uint32, p []byte) bool {
	if !useSHANI {
		return false
	}
	sha256BlocksSHANI(h, p)
	return true
}

func useSHANIInUse() bool { return useSHANI }
