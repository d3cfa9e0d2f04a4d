package unified

import (
	"bytes"
	"strconv"
	"unsafe"

	"github.com/awsaudit/awsaudit/normalize/internal/text"
	"github.com/awsaudit/awsaudit/normalize/jsondom"
	"github.com/awsaudit/awsaudit/normalize/jsonw"
	"github.com/awsaudit/awsaudit/normalize/record"
	"github.com/awsaudit/awsaudit/normalize/redact"
)

// maxCopyDepth bounds recursion when copying CloudTrail subtrees; the
// parser already refuses deeper documents, this keeps the encoder honest.
const maxCopyDepth = 300

// Writer writes the pieces of a record the way every encoder must: each
// string escaped (UTF-8 repaired) and redacted as the record's Strings
// mode says, parsed JSON values copied with the first of repeated keys
// and secret keys' values masked, object keys percent-decoded. The
// unified and OCSF encoders each have one; it holds their scratch space,
// so it is not safe for concurrent use.
type Writer struct {
	// Redact masks the values of secret keys and scans raw text: the
	// configuration's Redact, which the record's Strings mode refines for
	// its own strings.
	Redact bool

	mode redact.Mode // the record's, upgraded when decoding spells a secret
	// levels says the record's strings may need decoding to show a
	// secret (its ModeLevels), kept for when mode turns redaction on.
	levels bool
	err    error // the first value JSON forbids

	seen      jsondom.Keys
	lowered   []byte
	decoded   []byte // a percent-decoded object key
	keyMasked []byte // an object key with its secrets masked, before decoding
	roleARN   []byte // a role ARN built from its parts
}

// Begin starts a record.
func (w *Writer) Begin(r *record.Record) {
	w.mode, w.levels, w.err = r.Strings, r.Strings&redact.ModeLevels != 0, nil
	if w.mode&redact.ModeRedact == 0 {
		w.mode &^= redact.ModeLevels // plain strings stay on the fast path
	}
}

// Mode is how the record's strings are written (see redact.Mode): the
// record's own, with redaction turned on if an object key decoded to a
// secret.
func (w *Writer) Mode() redact.Mode { return w.mode }

// Err is the first value of the record that JSON forbids (a number the
// lenient parser let through); the record must then be rejected.
func (w *Writer) Err() error { return w.err }

// RawMode is how text the record-wide checks do not cover (raw) is
// written: escaped, and always scanned for secrets when redacting.
func (w *Writer) RawMode() redact.Mode {
	if w.Redact {
		return redact.ModeRedact | redact.ModeLevels
	}
	return redact.ModeEscape
}

// Lower returns s in ASCII lower case, copying only when it has upper
// case; the result is valid until the next call.
func (w *Writer) Lower(s []byte) []byte { return text.Lower(&w.lowered, s) }

// RoleARN returns p's role ARN (see record.Principal.AppendRoleARN),
// valid until the next call.
func (w *Writer) RoleARN(p *record.Principal) []byte {
	w.roleARN = p.AppendRoleARN(w.roleARN[:0])
	return w.roleARN
}

// ObjectKey returns the record's object key as written, decoded when the
// log wrote it URL-encoded, and the mode to write it with.
func (w *Writer) ObjectKey(o *record.Object) ([]byte, redact.Mode) {
	if !o.KeyEncoded {
		return o.Key, w.mode
	}
	key, plain := w.decodeKey(o.Key)
	m := w.mode // decoding may have spelled a secret
	if !plain {
		m &^= redact.ModePlain // an escape spelled a byte to escape
	}
	return key, m
}

// decodeKey percent-decodes an access-log object key; plain says the
// result needs no more escaping than its input.
func (w *Writer) decodeKey(s []byte) (_ []byte, plain bool) {
	if bytes.IndexByte(s, '%') < 0 && bytes.IndexByte(s, '+') < 0 {
		return s, true
	}
	w.decoded, plain = percentDecode(w.decoded[:0], s)
	if w.Redact && w.mode&redact.ModeRedact == 0 && redact.HasSecret(w.decoded, true) {
		// Decoding can spell a secret ("+Signature=...") the line hid.
		w.mode |= redact.ModeRedact
		if w.levels {
			w.mode |= redact.ModeLevels
		}
	}
	if levels := w.mode&redact.ModeLevels != 0; w.mode&redact.ModeRedact != 0 && redact.HasSecret(s, levels) {
		// Mask the key as logged before decoding it: decoding can cut a
		// value short ("abc%26def" is "abc&def") that a reader takes whole.
		w.keyMasked = redact.AppendText(w.keyMasked[:0], s, false, levels)
		w.decoded, plain = percentDecode(w.decoded[:0], w.keyMasked)
	}
	return w.decoded, plain
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

// String appends s as a JSON string, redacted like every other string of
// the record but never copied plain: for strings the encoder composed
// from pieces (a URL, an ARN), redacted whole.
func (w *Writer) String(dst, s []byte) []byte {
	return (w.mode &^ redact.ModePlain).Value(dst, s)
}

// JSONField is a field writer for a parsed JSON value: nothing when v is
// nil.
func (w *Writer) JSONField(b []byte, key string, v *jsondom.Value) []byte {
	if v == nil {
		return b
	}
	b = append(b, key...)
	return w.Value(b, v, false)
}

// Value copies a parsed JSON value. Strings are re-escaped (so the output
// is valid UTF-8 whatever the input held) and redacted: a secret key's
// value is masked whole (secret), any other string has the secrets inside
// it masked.
func (w *Writer) Value(dst []byte, v *jsondom.Value, secret bool) []byte {
	secret = secret && w.Redact
	if !secret && v.Verbatim() && w.mode&(redact.ModePlain|redact.ModeRedact) == redact.ModePlain {
		// Its text is what the copy below would write: compact, no
		// repeated or secret key, strings plain and unredacted.
		return append(dst, v.Raw()...)
	}
	return w.value(dst, v, w.mode, secret, 0)
}

func (w *Writer) value(dst []byte, v *jsondom.Value, m redact.Mode, secret bool, depth int) []byte {
	if depth > maxCopyDepth {
		return append(dst, "null"...)
	}
	if secret && v.Type() != jsondom.Null && (v.Type() != jsondom.String || len(v.Bytes()) > 0) {
		// A credential of any type (a string, or {"value": "..."}, an
		// array, a number) is one string; null and "" hold nothing.
		return append(dst, `"`+redact.Value+`"`...)
	}
	switch v.Type() {
	case jsondom.String:
		return m.Value(dst, v.Bytes())
	case jsondom.Object:
		dst = append(dst, '{')
		first := true
		dups := w.seen.Scope(v.Len())
		for _, member := range v.Members() {
			key := w.outputKey(member.Key, m)
			if dups.Repeated(key) {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = (m &^ redact.ModeRedact).Value(dst, key)
			dst = append(dst, ':')
			dst = w.value(dst, member.V, m, w.Redact && redact.IsSecretKey(member.Key), depth+1)
		}
		dups.Done()
		return append(dst, '}')
	case jsondom.Array:
		dst = append(dst, '[')
		for i, child := range v.Items() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = w.value(dst, child, m, false, depth+1)
		}
		return append(dst, ']')
	case jsondom.Number:
		// Numbers keep their spelling, but the parser is lenient (it takes
		// ".", "1e", "NaN"), so the spelling is checked before it is copied.
		start := len(dst)
		dst = v.MarshalTo(dst)
		if !jsondom.IsNumber(dst[start:]) {
			if w.err == nil {
				w.err = record.Reject(record.SourceCloudTrail, "invalid JSON number %q", text.Truncate(dst[start:], 40))
			}
			return append(dst[:start], '0')
		}
		return dst
	default:
		// true, false and null are literal.
		return v.MarshalTo(dst)
	}
}

// outputKey is an object key as written: with its secrets masked when the
// record's strings are (a key is a string too). A key that changes is
// copied, so that duplicates can be told by what is written: two keys
// masked alike are one key.
func (w *Writer) outputKey(key []byte, m redact.Mode) []byte {
	if m&redact.ModeRedact == 0 || !redact.HasSecret(key, m&redact.ModeLevels != 0) {
		return key
	}
	return redact.AppendText(nil, key, false, m&redact.ModeLevels != 0)
}

// Extra writes the record's "extra" object with the field key: access-log
// fields past the known ones by number, a JSON input's unmapped keys by
// name, CloudTrail's unmapped userIdentity keys under "userIdentity".
// Strings are written in m.
func (w *Writer) Extra(b []byte, key string, m redact.Mode, r *record.Record) []byte {
	b, o := jsonw.OpenObj(b, key)
	for i, f := range r.Extra.Fields {
		if len(f) == 0 {
			continue
		}
		b = append(b, `,"`...)
		b = strconv.AppendInt(b, int64(r.Extra.FirstField+i), 10)
		b = append(b, `":`...)
		b = m.Value(b, f)
	}
	if len(r.Extra.Members) > 0 {
		b = w.members(b, r.Extra.Members, true)
	}
	if c := r.CloudTrail; c != nil {
		b = w.members(b, c.Extra, true)
		if len(c.UserIdentityExtra) > 0 {
			b = append(b, `,"userIdentity":{`...)
			b = w.members(b, c.UserIdentityExtra, false)
			b = append(b, '}')
		}
	}
	return jsonw.CloseObj(b, o)
}

// members writes kvs, each after a comma when comma, else between
// commas. The keys are unique as read; when redaction changes some, a
// masked key written before drops the members after it.
func (w *Writer) members(b []byte, kvs []record.Member, comma bool) []byte {
	m := w.mode
	masking := m&redact.ModeRedact != 0
	var dups jsondom.KeyScope
	if masking {
		dups = w.seen.Scope(len(kvs))
	}
	for _, kv := range kvs {
		out := kv.Key
		if masking {
			if out = w.outputKey(kv.Key, m); dups.Repeated(out) {
				continue
			}
		}
		if comma {
			b = append(b, ',')
		}
		comma = true
		b = (m &^ redact.ModeRedact).Value(b, out)
		b = append(b, ':')
		b = w.Value(b, kv.Value, redact.IsSecretKey(kv.Key))
	}
	if masking {
		dups.Done()
	}
	return b
}

// RetainedBytes is the capacity of the scratch space the Writer keeps
// from one record to the next.
func (w *Writer) RetainedBytes() int {
	return cap(w.lowered) + cap(w.decoded) + cap(w.keyMasked) + cap(w.roleARN) +
		w.seen.Cap()*int(unsafe.Sizeof([]byte(nil)))
}
