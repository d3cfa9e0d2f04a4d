package lineindex

import (
	"encoding/binary"
	"math/bits"
)

// Index marks, one bit per byte of an access-log line (64 bytes per
// word), the bytes the parser looks for: spaces and quotes that cut
// fields, '=' where a secret query parameter can begin, and bytes that
// need JSON escaping. One pass over the line replaces a search call per
// field and a separate pass per question, which is what made short fields
// expensive.
type Index struct {
	Space, Quote, Equals, Unsafe []uint64
	size                         int
}

// build indexes line, reusing x's storage.
func (x *Index) Build(line []byte) {
	words := (len(line) + 63) / 64
	x.size = len(line)
	x.Space = resizeWords(x.Space, words)
	x.Quote = resizeWords(x.Quote, words)
	x.Equals = resizeWords(x.Equals, words)
	x.Unsafe = resizeWords(x.Unsafe, words)
	full := len(line) / 64
	if full > 0 {
		scanBlocks(line[:full*64], x.Space, x.Quote, x.Equals, x.Unsafe)
	}
	if rem := len(line) % 64; rem > 0 {
		var tail [64]byte
		copy(tail[:], line[full*64:])
		scanBlocks(tail[:], x.Space[full:], x.Quote[full:], x.Equals[full:], x.Unsafe[full:])
		keep := uint64(1)<<rem - 1 // the zero padding is not part of the line
		x.Space[full] &= keep
		x.Quote[full] &= keep
		x.Equals[full] &= keep
		x.Unsafe[full] &= keep
	}
}

func resizeWords(w []uint64, n int) []uint64 {
	if cap(w) < n {
		return make([]uint64, n, n+n/2)
	}
	return w[:n]
}

// next returns the position of the first byte at or after from whose bit
// is set in mask, or the line's length.
func (x *Index) Next(mask []uint64, from int) int {
	w := from >> 6
	if w >= len(mask) {
		return x.size
	}
	m := mask[w] & (^uint64(0) << (from & 63))
	for m == 0 {
		w++
		if w == len(mask) {
			return x.size
		}
		m = mask[w]
	}
	return w<<6 + bits.TrailingZeros64(m)
}

// nextClear returns the position of the first byte at or after from whose
// bit is clear in mask, or the line's length.
func (x *Index) NextClear(mask []uint64, from int) int {
	w := from >> 6
	if w >= len(mask) {
		return x.size
	}
	m := ^mask[w] & (^uint64(0) << (from & 63))
	for m == 0 {
		w++
		if w == len(mask) {
			return x.size
		}
		m = ^mask[w]
	}
	return min(w<<6+bits.TrailingZeros64(m), x.size)
}

// prev returns the position of the last byte before end whose bit is set
// in mask, or -1.
func (x *Index) Prev(mask []uint64, end int) int {
	if end <= 0 {
		return -1
	}
	w := (end - 1) >> 6
	m := mask[w] & (^uint64(0) >> (63 - (end-1)&63))
	for m == 0 {
		if w == 0 {
			return -1
		}
		w--
		m = mask[w]
	}
	return w<<6 + 63 - bits.LeadingZeros64(m)
}

// countBits returns how many bits are set in mask.
func CountBits(mask []uint64) int {
	c := 0
	for _, m := range mask {
		c += bits.OnesCount64(m)
	}
	return c
}

func AnySet(mask []uint64) bool {
	var acc uint64
	for _, m := range mask {
		acc |= m
	}
	return acc != 0
}

// scanBlocksGeneric is scanBlocks in portable Go: for each 64-byte block
// of p (len(p) is a multiple of 64) it writes one word per mask.
func scanBlocksGeneric(p []byte, space, quote, equals, unsafe []uint64) {
	for blk := range len(p) / 64 {
		block := p[blk*64 : blk*64+64]
		var sp, qu, eq, un uint64
		for i := 0; i < 64; i += 8 {
			w := binary.LittleEndian.Uint64(block[i : i+8])
			sp |= movemask(bytesEqual(w, ' ')) << i
			qu |= movemask(bytesEqual(w, '"')) << i
			eq |= movemask(bytesEqual(w, '=')) << i
			un |= movemask(bytesUnsafe(w)) << i
		}
		space[blk], quote[blk], equals[blk], unsafe[blk] = sp, qu, eq, un
	}
}

const (
	lo7 = 0x7f7f7f7f7f7f7f7f
	hi8 = 0x8080808080808080
)

// bytesEqual sets the high bit of each byte of w that equals c, exactly
// (no borrow between bytes).
func bytesEqual(w uint64, c byte) uint64 {
	x := w ^ (0x0101010101010101 * uint64(c))
	return ^(((x & lo7) + lo7) | x) & hi8
}

// bytesUnsafe sets the high bit of each byte of w that needs escaping in
// a JSON string or is not ASCII: below 0x20, 0x80 and up, or '\\'.
func bytesUnsafe(w uint64) uint64 {
	// b < 0x20 exactly when (b&0x7f) + 0x60 does not reach 0x80.
	below := ^((w & lo7) + 0x6060606060606060) & hi8
	return below | w&hi8 | bytesEqual(w, '\\')
}

// movemask gathers the high bit of each byte of m into the low 8 bits.
func movemask(m uint64) uint64 {
	return ((m >> 7) * 0x0102040810204080) >> 56
}
