package jsonw

import (
	"encoding/binary"
	"unicode/utf8"
)

// AppendStringLimit is AppendString with a bound: it stops before the
// escaped content (the quotes not counted) would pass limit bytes, at a
// character boundary, so a cut never leaves half a character or half an
// escape. It reports whether it cut. The escaping is AppendEscaped's: this
// only decides where to stop.
func AppendStringLimit(dst, s []byte, limit int) ([]byte, bool) {
	dst = append(dst, '"')
	budget := limit
	for i := 0; i < len(s); {
		// A run of plain bytes escapes to itself.
		j := i
		for j+8 <= len(s) && WordIsSafe(binary.LittleEndian.Uint64(s[j:])) {
			j += 8
		}
		for j < len(s) && Safe[s[j]] {
			j++
		}
		if j-i > budget {
			return append(append(dst, s[i:i+budget]...), '"'), true
		}
		dst = append(dst, s[i:j]...)
		budget -= j - i
		if j == len(s) {
			break
		}
		// One character that is escaped or takes several bytes (an
		// invalid byte is a character of its own, written as U+FFFD).
		_, size := utf8.DecodeRune(s[j:])
		mark := len(dst)
		dst = AppendEscaped(dst, s[j:j+size])
		if n := len(dst) - mark; n <= budget {
			budget -= n
		} else {
			return append(dst[:mark], '"'), true
		}
		i = j + size
	}
	return append(dst, '"'), false
}
