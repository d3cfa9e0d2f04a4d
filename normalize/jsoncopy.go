package normalize

import (
	"strings"

	"github.com/awsaudit/awsaudit/normalize/jsondom"
	"github.com/awsaudit/awsaudit/normalize/record"
	"github.com/awsaudit/awsaudit/normalize/redact"
)

// maxCopyDepth bounds recursion when copying CloudTrail subtrees; the
// parser already refuses deeper documents, this keeps the encoder honest.
const maxCopyDepth = 300

// jsondom.Value writes "name": v when v is present (for encoder users).
func (n *Normalizer) jsonValue(e *encoder, name string, v *jsondom.Value) {
	if v == nil {
		return
	}
	e.key(name)
	e.b = n.appendValue(e.b, v, false)
}

// jsonField is a field writer (see fields.go) for a parsed JSON value.
func (n *Normalizer) jsonField(b []byte, key string, v *jsondom.Value) []byte {
	if v == nil {
		return b
	}
	b = append(b, key...)
	return n.appendValue(b, v, false)
}

// jsonKeyValue appends "out":v for a key taken from the input, written
// as out (see outputKey).
func (n *Normalizer) jsonKeyValue(b, key, out []byte, v *jsondom.Value) []byte {
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
func (n *Normalizer) appendValue(dst []byte, v *jsondom.Value, secret bool) []byte {
	secret = secret && n.opts.Redact
	if !secret && n.verbatimCopy(v) {
		return append(dst, v.Raw()...)
	}
	return n.appendValueDepth(dst, v, n.stringMode(), secret, 0)
}

// verbatimCopy says v's text is what appendValueDepth would write: v is
// verbatim (see jsondom.Value) and the record's strings are plain and need no
// secret scan (see normalizeRecord).
func (n *Normalizer) verbatimCopy(v *jsondom.Value) bool {
	return v.Verbatim() && n.plainInput && !n.redactStrings && !n.noShortcuts
}

func (n *Normalizer) appendValueDepth(dst []byte, v *jsondom.Value, m redact.Mode, secret bool, depth int) []byte {
	if depth > maxCopyDepth {
		return append(dst, "null"...)
	}
	if secret && v.Type() != jsondom.Null && (v.Type() != jsondom.String || len(v.GetStringBytes()) > 0) {
		// A credential of any type (a string, or {"value": "..."}, an
		// array, a number) is one string; null and "" hold nothing.
		return append(dst, `"`+redact.Value+`"`...)
	}
	switch v.Type() {
	case jsondom.String:
		return m.Value(dst, v.GetStringBytes())
	case jsondom.Object:
		dst = append(dst, '{')
		first := true
		dups := n.seen.Scope(v.Len())
		for _, member := range v.Members() {
			key, child := n.outputKey(member.Key, m), member.V
			if dups.Repeated(key) {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = (m &^ redact.ModeRedact).Value(dst, key)
			dst = append(dst, ':')
			dst = n.appendValueDepth(dst, child, m, n.opts.Redact && redact.IsSecretKey(member.Key), depth+1)
		}
		dups.Done()
		return append(dst, '}')
	case jsondom.Array:
		dst = append(dst, '[')
		for i, child := range v.GetArray() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = n.appendValueDepth(dst, child, m, false, depth+1)
		}
		return append(dst, ']')
	case jsondom.Number:
		// Numbers keep their spelling, but the parser is lenient (it takes
		// ".", "1e", "NaN"), so the spelling is checked before it is copied.
		start := len(dst)
		dst = v.MarshalTo(dst)
		if !jsondom.IsNumber(dst[start:]) {
			if n.encodeErr == nil {
				n.encodeErr = record.Reject(SourceCloudTrail, "invalid JSON number %q", truncate(dst[start:], 40))
			}
			return append(dst[:start], '0')
		}
		return dst
	default:
		// true, false and null are literal.
		return v.MarshalTo(dst)
	}
}

// lookupKey returns the value at Options.KeyPath in the record: fast for the
// usual scalar paths, by re-reading the encoded JSON for any other.
func (n *Normalizer) lookupKey(u *record.Record, encoded []byte) []byte {
	switch n.opts.KeyPath {
	case "correlation_id":
		return u.CorrelationID
	case "bucket.name":
		return u.Bucket.Name
	case "request.id":
		return u.Request.ID
	case "bucket.owner":
		return u.Bucket.Owner
	case "account_id":
		return u.AccountID
	case "principal.arn":
		return u.Principal.ARN
	case "client.ip":
		return u.Client.IP
	case "source":
		return []byte(u.Source.String())
	case "action":
		if u.Action == "" {
			return u.EventName
		}
		return []byte(u.Action)
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
	if v.Type() == jsondom.String {
		return v.GetStringBytes()
	}
	return v.MarshalTo(nil)
}
