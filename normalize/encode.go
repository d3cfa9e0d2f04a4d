package normalize

import (
	"encoding/binary"
	"strconv"
	"unicode/utf8"
)

// encoder appends compact JSON. Objects whose every field turned out absent
// are rolled back (see openObject/closeObject), so callers write fields
// unconditionally and absence falls out of the data.
type encoder struct {
	b     []byte
	first bool // no key written yet in the innermost open object
	// n redacts every string written with str: a secret can hide in any
	// free-text field (a User-Agent, a key), not only in the URI.
	n *Normalizer
}

func (e *encoder) key(name string) {
	// A local slice keeps the header in registers; appending to e.b
	// directly writes it back to memory after every byte.
	b := e.b
	if e.first {
		e.first = false
		b = append(b, '"')
	} else {
		b = append(b, ',', '"')
	}
	b = append(b, name...)
	e.b = append(b, '"', ':')
}

// objectMark remembers where an object began, to roll it back if empty.
type objectMark struct {
	pos         int
	parentFirst bool
}

// openObject starts "name":{ and returns a mark for closeObject.
func (e *encoder) openObject(name string) objectMark {
	m := objectMark{pos: len(e.b), parentFirst: e.first}
	e.key(name)
	e.b = append(e.b, '{')
	e.first = true
	return m
}

// closeObject ends the object, or removes it entirely when it stayed empty.
func (e *encoder) closeObject(m objectMark) {
	if e.first {
		e.b = e.b[:m.pos]
		e.first = m.parentFirst
		return
	}
	e.b = append(e.b, '}')
}

func (e *encoder) str(name string, v []byte) {
	if len(v) == 0 || (len(v) == 1 && v[0] == '-') {
		return // the contract: absent, never "" or "-"
	}
	e.key(name)
	if e.n != nil && e.n.redactStrings {
		e.b = appendRedactedJSONString(e.b, v, e.n.redactLevels)
		return
	}
	e.b = appendJSONString(e.b, v)
}

// fields runs field writers (see fields.go) inside e's open object: they
// write a comma before every field, which is dropped when theirs is the
// object's first.
func (e *encoder) fields(write func([]byte) []byte) {
	start := len(e.b)
	e.b = write(e.b)
	if len(e.b) == start {
		return
	}
	if e.first {
		e.b = append(e.b[:start], e.b[start+1:]...)
		e.first = false
	}
}

func (e *encoder) constStr(name, v string) {
	if v == "" {
		return
	}
	e.key(name)
	e.b = append(e.b, '"')
	e.b = append(e.b, v...)
	e.b = append(e.b, '"')
}

func (e *encoder) boolean(name string, v Bool) {
	if v == BoolUnset {
		return
	}
	e.key(name)
	if v == BoolTrue {
		e.b = append(e.b, "true"...)
	} else {
		e.b = append(e.b, "false"...)
	}
}

func (e *encoder) integer(name string, v optInt) {
	if !v.ok {
		return
	}
	e.key(name)
	e.b = strconv.AppendInt(e.b, v.v, 10)
}

// optInt is an integer that may be absent.
type optInt struct {
	v  int64
	ok bool
}

const hexDigits = "0123456789abcdef"

// jsonSafe marks the ASCII bytes that need no escaping in a JSON string.
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendJSONString appends s as a quoted JSON string. Control characters are
// escaped and invalid UTF-8 is replaced by U+FFFD, so the output is always
// valid UTF-8 JSON whatever the input bytes were.
func appendJSONString(dst, s []byte) []byte {
	dst = append(dst, '"')
	dst = appendEscaped(dst, s)
	return append(dst, '"')
}

// appendRedactedJSONString is appendJSONString of AppendRedacted(s) in one
// pass: most strings hold no secret and are escaped straight from s.
// levels false promises s needs no decoding (see appendRedactedText).
func appendRedactedJSONString(dst, s []byte, levels bool) []byte {
	dst = append(dst, '"')
	dst = appendRedactedText(dst, s, true, levels)
	return append(dst, '"')
}

// appendRedactedPlain is appendRedactedJSONString for text known to need
// no escaping (the quotes of a replaced JSON value are spelled by the
// text, so they need none either).
func appendRedactedPlain(dst, s []byte, levels bool) []byte {
	dst = append(dst, '"')
	dst = appendRedactedText(dst, s, false, levels)
	return append(dst, '"')
}

// appendEscaped appends s escaped for the inside of a JSON string.
func appendEscaped(dst, s []byte) []byte {
	start := 0
	i := 0
	for i < len(s) {
		// Skip 8 plain ASCII bytes at a time: the common case for log text.
		if i+8 <= len(s) && wordIsSafe(binary.LittleEndian.Uint64(s[i:])) {
			i += 8
			continue
		}
		c := s[i]
		if jsonSafe[c] {
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
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
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
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}

// wordIsSafe reports whether all 8 bytes of w are printable ASCII other than
// '"' and '\\' (the SWAR tests from "Bit Twiddling Hacks").
func wordIsSafe(w uint64) bool {
	const lo = 0x0101010101010101
	const hi = 0x8080808080808080
	hasLess20 := (w - lo*0x20) & ^w & hi
	xq := w ^ (lo * '"')
	hasQuote := (xq - lo) & ^xq & hi
	xb := w ^ (lo * '\\')
	hasBackslash := (xb - lo) & ^xb & hi
	return (hasLess20 | hasQuote | hasBackslash | (w & hi)) == 0
}

// appendLower appends s in ASCII lower case.
func appendLower(dst, s []byte) []byte {
	for _, c := range s {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// percentDecode appends s with %XX escapes and '+' decoded, the way S3
// writes object keys in access logs. A malformed escape is kept literally.
// plain reports that no escape decoded to a byte JSON must escape or that
// is not ASCII.
func percentDecode(dst, s []byte) (_ []byte, plain bool) {
	plain = true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			dst = append(dst, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			plain = plain && jsonSafe[c]
			dst = append(dst, c)
			i += 2
		default:
			dst = append(dst, c)
		}
	}
	return dst, plain
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}
