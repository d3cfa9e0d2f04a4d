package normalize

import (
	"strconv"

	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/record"
	"github.com/awsaudit/awsaudit/normalize/redact"
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
		e.b = redact.AppendJSONString(e.b, v, e.n.redactLevels)
		return
	}
	e.b = jsonw.AppendString(e.b, v)
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
	if v == record.BoolUnset {
		return
	}
	e.key(name)
	if v == record.BoolTrue {
		e.b = append(e.b, "true"...)
	} else {
		e.b = append(e.b, "false"...)
	}
}

func (e *encoder) integer(name string, v jsonw.Int) {
	if !v.OK {
		return
	}
	e.key(name)
	e.b = strconv.AppendInt(e.b, v.V, 10)
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
		case c == '%' && i+2 < len(s) && jsonw.IsHex(s[i+1]) && jsonw.IsHex(s[i+2]):
			c = jsonw.Unhex(s[i+1])<<4 | jsonw.Unhex(s[i+2])
			plain = plain && jsonw.Safe[c]
			dst = append(dst, c)
			i += 2
		default:
			dst = append(dst, c)
		}
	}
	return dst, plain
}
