// Package text holds the byte-level helpers the parsers, detections and
// encoders of normalize share: digits, ASCII case, the log's "-", and the
// record's time form (RFC 3339 in UTC). Nothing here allocates.
package text

import "bytes"

// IsDigit reports whether c is an ASCII digit.
func IsDigit(c byte) bool { return '0' <= c && c <= '9' }

// Digits reads b as a decimal number; false when a byte is not a digit.
func Digits(b []byte) (int, bool) {
	v := 0
	for _, c := range b {
		if !IsDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// Count parses a non-negative decimal count of at most 18 digits (so it
// cannot overflow); false for anything else.
func Count(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if !IsDigit(c) {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// Present maps the log's "-" (unknown or not applicable) to absent.
func Present(b []byte) []byte {
	if len(b) == 1 && b[0] == '-' {
		return nil
	}
	return b
}

// Truncate returns at most the first n bytes of b (for quoting input in
// a reason).
func Truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// LowerByte is c in ASCII lower case.
func LowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// IsLetter reports whether c is an ASCII letter.
func IsLetter(c byte) bool { return 'a' <= LowerByte(c) && LowerByte(c) <= 'z' }

// HasUpper reports whether s has an ASCII upper-case letter.
func HasUpper(s []byte) bool {
	for _, c := range s {
		if 'A' <= c && c <= 'Z' {
			return true
		}
	}
	return false
}

// Lower returns s in ASCII lower case: s itself when it has no upper case,
// else a copy in *scratch (valid until scratch is used again).
func Lower(scratch *[]byte, s []byte) []byte {
	if !HasUpper(s) {
		return s
	}
	*scratch = AppendLower((*scratch)[:0], s)
	return *scratch
}

// AppendLower appends s in ASCII lower case.
func AppendLower(dst, s []byte) []byte {
	for _, c := range s {
		dst = append(dst, LowerByte(c))
	}
	return dst
}

// FoldEqual compares b to s ignoring ASCII case; s must be lower case.
func FoldEqual(b []byte, s string) bool {
	return len(b) == len(s) && FoldHasPrefix(b, s)
}

// FoldHasPrefix is bytes.HasPrefix ignoring ASCII case; prefix must be
// lower case.
func FoldHasPrefix(b []byte, prefix string) bool {
	if len(b) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if LowerByte(b[i]) != prefix[i] {
			return false
		}
	}
	return true
}

// HostWithoutPort drops ":port" from a Host header (IPv6 literals keep
// their brackets).
func HostWithoutPort(h []byte) []byte {
	if bytes.IndexByte(h, ':') < 0 {
		return h
	}
	if i := bytes.LastIndexByte(h, ':'); i >= 0 && bytes.IndexByte(h[i:], ']') < 0 {
		allDigits := i+1 < len(h)
		for _, c := range h[i+1:] {
			allDigits = allDigits && IsDigit(c)
		}
		if allDigits {
			return h[:i]
		}
	}
	return h
}
