package jsonw

import (
	"encoding/binary"
	"strconv"
	"unicode/utf8"
)

// Bool is a JSON boolean that can also be absent.
type Bool uint8

const (
	BoolUnset Bool = iota
	BoolFalse
	BoolTrue
)

// BoolOf turns a Go bool into a set Bool.
func BoolOf(v bool) Bool {
	if v {
		return BoolTrue
	}
	return BoolFalse
}

// Int is an integer that may be absent.
type Int struct {
	V  int64
	OK bool
}

// IntOf is a set Int.
func IntOf(v int64) Int { return Int{V: v, OK: true} }

// HexDigits are the lower-case hexadecimal digits.
const HexDigits = "0123456789abcdef"

// Safe marks the ASCII bytes that need no escaping in a JSON string.
var Safe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// AppendString appends s as a quoted JSON string. Control characters are
// escaped and invalid UTF-8 is replaced by U+FFFD, so the output is always
// valid UTF-8 JSON whatever the input bytes were.
func AppendString(dst, s []byte) []byte {
	dst = append(dst, '"')
	dst = AppendEscaped(dst, s)
	return append(dst, '"')
}

// AppendEscaped appends s escaped for the inside of a JSON string.
func AppendEscaped(dst, s []byte) []byte {
	start := 0
	i := 0
	for i < len(s) {
		// Skip 8 plain ASCII bytes at a time: the common case for log text.
		if i+8 <= len(s) && WordIsSafe(binary.LittleEndian.Uint64(s[i:])) {
			i += 8
			continue
		}
		c := s[i]
		if Safe[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', HexDigits[c>>4], HexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but break JavaScript consumers.
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', HexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}

// WordIsSafe reports whether all 8 bytes of w are printable ASCII other
// than '"' and '\\' (the SWAR tests from "Bit Twiddling Hacks").
func WordIsSafe(w uint64) bool {
	const lo = 0x0101010101010101
	const hi = 0x8080808080808080
	hasLess20 := (w - lo*0x20) & ^w & hi
	xq := w ^ (lo * '"')
	hasQuote := (xq - lo) & ^xq & hi
	xb := w ^ (lo * '\\')
	hasBackslash := (xb - lo) & ^xb & hi
	return (hasLess20 | hasQuote | hasBackslash | (w & hi)) == 0
}

// IsPlain reports whether s can be copied into a JSON string as it is.
func IsPlain(s []byte) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if !WordIsSafe(binary.LittleEndian.Uint64(s[i:])) {
			return false
		}
	}
	for ; i < len(s); i++ {
		if !Safe[s[i]] {
			return false
		}
	}
	return true
}

// ConstField writes a string the program chose (nothing to escape);
// "" is absent.
func ConstField(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, key...)
	b = append(b, '"')
	b = append(b, v...)
	return append(b, '"')
}

// StringField writes v escaped; empty and "-" are absent, never "" or "-"
// (the contract's rule for every logged string).
func StringField(b []byte, key string, v []byte) []byte {
	if len(v) == 0 || (len(v) == 1 && v[0] == '-') {
		return b
	}
	b = append(b, key...)
	return AppendString(b, v)
}

// BoolField writes v unless it is unset.
func BoolField(b []byte, key string, v Bool) []byte {
	switch v {
	case BoolTrue:
		b = append(b, key...)
		return append(b, "true"...)
	case BoolFalse:
		b = append(b, key...)
		return append(b, "false"...)
	}
	return b
}

// IntField writes v unless it is absent.
func IntField(b []byte, key string, v Int) []byte {
	if !v.OK {
		return b
	}
	b = append(b, key...)
	return AppendInt(b, v.V)
}

// AppendInt is strconv.AppendInt(b, v, 10) without its generality: log
// numbers are small and non-negative.
func AppendInt(b []byte, v int64) []byte {
	if v < 0 || v >= 1e12 {
		return strconv.AppendInt(b, v, 10)
	}
	var digits [12]byte
	i := len(digits)
	for v >= 100 {
		q := v / 100
		r := v - q*100
		i -= 2
		digits[i], digits[i+1] = twoDigits[2*r], twoDigits[2*r+1]
		v = q
	}
	if v >= 10 {
		i -= 2
		digits[i], digits[i+1] = twoDigits[2*v], twoDigits[2*v+1]
	} else {
		i--
		digits[i] = byte('0' + v)
	}
	return append(b, digits[i:]...)
}

const twoDigits = "00010203040506070809" + "10111213141516171819" + "20212223242526272829" +
	"30313233343536373839" + "40414243444546474849" + "50515253545556575859" +
	"60616263646566676869" + "70717273747576777879" + "80818283848586878889" + "90919293949596979899"

// ObjMark is an object opened by OpenObj: where its key starts, and where
// its body (the comma of its first field) starts.
type ObjMark struct{ start, body int }

// OpenObj writes key (`,"name":`) and returns the mark CloseObj needs. The
// object's fields are then written with their leading commas.
func OpenObj(b []byte, key string) ([]byte, ObjMark) {
	m := ObjMark{start: len(b)}
	b = append(b, key...)
	m.body = len(b)
	return b, m
}

// Empty reports whether no field was written into the object opened at
// m (b is the buffer as it is now).
func (m ObjMark) Empty(b []byte) bool { return len(b) == m.body }

// CloseObj ends the object opened at m, or removes it when it is empty.
func CloseObj(b []byte, m ObjMark) []byte {
	if len(b) == m.body {
		return b[:m.start]
	}
	b[m.body] = '{'
	return append(b, '}')
}

// Fields runs field writers as the body of an object whose opening brace
// is already written at b[open]: the comma of the first field they write
// is dropped. first says no field precedes them in that object; the result
// says whether one does now.
func Fields(b []byte, first bool, write func([]byte) []byte) ([]byte, bool) {
	start := len(b)
	b = write(b)
	if len(b) == start {
		return b, first
	}
	if first {
		b = append(b[:start], b[start+1:]...)
	}
	return b, false
}

// IsHex reports whether c is a hexadecimal digit of either case.
func IsHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// Unhex is the value of the hexadecimal digit c (see IsHex).
func Unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// Hex4 reads the four hexadecimal digits of a \uXXXX escape.
func Hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		if !IsHex(c) {
			return 0, false
		}
		r = r<<4 | rune(Unhex(c))
	}
	return r, true
}
