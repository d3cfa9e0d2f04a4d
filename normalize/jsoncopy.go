package normalize

import (
	"iter"
	"strings"

	"github.com/awsaudit/awsaudit/normalize/redact"
)

// maxCopyDepth bounds recursion when copying CloudTrail subtrees; the
// parser already refuses deeper documents, this keeps the encoder honest.
const maxCopyDepth = 300

// jsonValue writes "name": v when v is present (for encoder users).
func (n *Normalizer) jsonValue(e *encoder, name string, v *jsonValue) {
	if v == nil {
		return
	}
	e.key(name)
	e.b = n.appendValue(e.b, v, false)
}

// jsonField is a field writer (see fields.go) for a parsed JSON value.
func (n *Normalizer) jsonField(b []byte, key string, v *jsonValue) []byte {
	if v == nil {
		return b
	}
	b = append(b, key...)
	return n.appendValue(b, v, false)
}

// jsonKeyValue appends "out":v for a key taken from the input, written
// as out (see outputKey).
func (n *Normalizer) jsonKeyValue(b, key, out []byte, v *jsonValue) []byte {
	b = (n.stringMode() &^ redact.ModeRedact).Value(b, out)
	b = append(b, ':')
	return n.appendValue(b, v, redact.IsSecretKey(key))
}

// outputKey is an object key as written: with its secrets masked when the
// record's strings are (a key is a string too). A key that changes is
// copied, so that duplicates can be told by what is written: two keys
// masked alike are one key.
func (n *Normalizer) outputKey(key []byte, m redact.Mode) []byte {
	if m&redact.ModeRedact == 0 || !redact.HasSecret(key, m&redact.ModeLevels != 0) {
		return key
	}
	return redact.AppendText(nil, key, false, m&redact.ModeLevels != 0)
}

// appendValue copies a parsed JSON value. Strings are re-escaped (so the
// output is valid UTF-8 whatever the input held) and redacted: a secret
// key's value is masked whole (see appendValueDepth), any other string
// has the secrets inside it masked.
func (n *Normalizer) appendValue(dst []byte, v *jsonValue, secret bool) []byte {
	secret = secret && n.opts.Redact
	if !secret && n.verbatimCopy(v) {
		return append(dst, v.raw...)
	}
	return n.appendValueDepth(dst, v, n.stringMode(), secret, 0)
}

// verbatimCopy says v's text is what appendValueDepth would write: v is
// verbatim (see jsonValue) and the record's strings are plain and need no
// secret scan (see normalizeRecord).
func (n *Normalizer) verbatimCopy(v *jsonValue) bool {
	return v.verbatim && n.plainInput && !n.redactStrings && !n.noShortcuts
}

func (n *Normalizer) appendValueDepth(dst []byte, v *jsonValue, m redact.Mode, secret bool, depth int) []byte {
	if depth > maxCopyDepth {
		return append(dst, "null"...)
	}
	if secret && v.Type() != jsonNull && (v.Type() != jsonString || len(v.GetStringBytes()) > 0) {
		// A credential of any type (a string, or {"value": "..."}, an
		// array, a number) is one string; null and "" hold nothing.
		return append(dst, `"`+redact.Value+`"`...)
	}
	switch v.Type() {
	case jsonString:
		return m.Value(dst, v.GetStringBytes())
	case jsonObject:
		dst = append(dst, '{')
		first := true
		dups := n.newDuplicateKeys(v)
		for _, member := range v.members {
			key, child := n.outputKey(member.key, m), member.v
			if dups.repeated(key) {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = (m &^ redact.ModeRedact).Value(dst, key)
			dst = append(dst, ':')
			dst = n.appendValueDepth(dst, child, m, n.opts.Redact && redact.IsSecretKey(member.key), depth+1)
		}
		dups.done()
		return append(dst, '}')
	case jsonArray:
		dst = append(dst, '[')
		for i, child := range v.GetArray() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = n.appendValueDepth(dst, child, m, false, depth+1)
		}
		return append(dst, ']')
	case jsonNumber:
		// Numbers keep their spelling, but the parser is lenient (it takes
		// ".", "1e", "NaN"), so the spelling is checked before it is copied.
		start := len(dst)
		dst = v.MarshalTo(dst)
		if !isJSONNumber(dst[start:]) {
			if n.encodeErr == nil {
				n.encodeErr = reject(SourceCloudTrail, "invalid JSON number %q", truncate(dst[start:], 40))
			}
			return append(dst[:start], '0')
		}
		return dst
	default:
		// true, false and null are literal.
		return v.MarshalTo(dst)
	}
}

// isJSONNumber checks b against the JSON number grammar (RFC 8259).
func isJSONNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i == len(b) || !isDigit(b[i]) {
			return false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i == len(b) || !isDigit(b[i]) {
			return false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	return i == len(b)
}

// lookupKey returns the value at Options.KeyPath in the record: fast for the
// usual scalar paths, by re-reading the encoded JSON for any other.
func (n *Normalizer) lookupKey(u *unified, encoded []byte) []byte {
	switch n.opts.KeyPath {
	case "correlation_id":
		return u.correlationID
	case "bucket.name":
		return u.bucketName
	case "request.id":
		return u.reqID
	case "bucket.owner":
		return u.bucketOwner
	case "account_id":
		return u.accountID
	case "principal.arn":
		return u.principal.ARN
	case "client.ip":
		return u.clientIP
	case "source":
		return []byte(u.source.String())
	case "action":
		if u.action == "" {
			return u.actionFromInput
		}
		return []byte(u.action)
	}
	return n.lookupEncodedKey(encoded)
}

// fastKeyPath reports the KeyPaths lookupKey answers from the record
// without reading the encoded JSON.
func fastKeyPath(path string) bool {
	switch path {
	case "correlation_id", "bucket.name", "request.id", "bucket.owner", "account_id",
		"principal.arn", "client.ip", "source", "action":
		return true
	}
	return false
}

// lookupEncodedKey finds n.opts.KeyPath in an encoded unified record.
func (n *Normalizer) lookupEncodedKey(encoded []byte) []byte {
	v, err := n.keys.ParseBytes(encoded)
	if err != nil {
		return nil
	}
	v = v.Get(strings.Split(n.opts.KeyPath, ".")...)
	if v == nil {
		return nil
	}
	if v.Type() == jsonString {
		return v.GetStringBytes()
	}
	return v.MarshalTo(nil)
}

// duplicateKeys tells, while visiting an object's keys in order, whether
// a key was already seen: JSON with a repeated key means different things
// to different readers, so the first occurrence wins everywhere and later
// ones are dropped. Keys seen are kept on the Normalizer's stack; a 256-bit
// filter of key hashes skips the scan for almost every new key, and an
// object with more keys than the filter can tell apart uses a set, so a
// hostile object with many keys costs linear time.
type duplicateKeys struct {
	n      *Normalizer
	start  int
	filter [4]uint64
	set    map[string]struct{}
}

// filterKeys is how many keys the filter serves before a set takes over.
const filterKeys = 64

// uniqueMembers yields obj's members in order, each key once: the first of
// repeated keys wins, as encoding/json's last-wins would let a second
// "eventName" hide the first from one reader and not another.
func (n *Normalizer) uniqueMembers(obj *jsonValue) iter.Seq2[[]byte, *jsonValue] {
	return func(yield func([]byte, *jsonValue) bool) {
		dups := n.newDuplicateKeys(obj)
		defer dups.done()
		for _, m := range obj.members {
			if !dups.repeated(m.key) && !yield(m.key, m.v) {
				return
			}
		}
	}
}

func (n *Normalizer) newDuplicateKeys(obj *jsonValue) duplicateKeys {
	return n.newDuplicateKeysN(obj.Len())
}

// newDuplicateKeysN is newDuplicateKeys for size keys.
func (n *Normalizer) newDuplicateKeysN(size int) duplicateKeys {
	d := duplicateKeys{n: n, start: len(n.seenKeys)}
	if size > filterKeys {
		d.set = make(map[string]struct{}, size)
	}
	return d
}

func (d *duplicateKeys) repeated(key []byte) bool {
	if d.set != nil {
		if _, ok := d.set[string(key)]; ok {
			return true
		}
		d.set[string(key)] = struct{}{}
		return false
	}
	// A cheap hash: keys of one object rarely share length and both ends.
	h := uint32(len(key)) * 0x9e3779b1
	if len(key) > 0 {
		h ^= uint32(key[0])<<8 | uint32(key[len(key)-1])
		h *= 0x85ebca6b
		h ^= h >> 13
	}
	word, bit := (h>>6)&3, uint64(1)<<(h&63)
	if d.filter[word]&bit != 0 {
		for _, k := range d.n.seenKeys[d.start:] {
			if string(k) == string(key) {
				return true
			}
		}
	}
	d.filter[word] |= bit
	d.n.seenKeys = append(d.n.seenKeys, key)
	return false
}

// done forgets the object's keys.
func (d *duplicateKeys) done() {
	d.n.seenKeys = d.n.seenKeys[:d.start]
}
